/**
 * `GET /runs/:id/events/stream`: a run's events as Server-Sent Events.
 *
 * Sends the stored events after `Last-Event-ID` (or `?after=`), then follows the run through the
 * server's run event feed (live/run-event-feed.ts): woken by NOTIFY on Postgres, by the
 * in-process bus and a fallback poll on PGlite, and read once per wake-up for all the streams of
 * that run. Each event is `id: <event id>`, `event: run-event`, `data: <StoredEvent JSON>`; a
 * status change is `event: run-status`, and `event: end` (with the terminal status) closes the
 * stream. A client that disconnects stops following at once.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RunStatus } from '../../core/types.js';
import type { Runtime } from '../../runtime.js';
import { isTerminalRunStatus } from '../../storage/index.js';
import type { RunEventFeed } from '../live/run-event-feed.js';
import { requireRun } from '../read-models/index.js';
import { ERRORS, IdParams, QueryInt } from './schemas.js';

/** A comment line this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;
/** How long a browser waits before reconnecting a dropped stream. */
const RETRY_MS = 1_000;

const StreamQuery = z.object({
  after: QueryInt(0, Number.MAX_SAFE_INTEGER).optional().describe('Send events with a larger id (default: Last-Event-ID, else all)'),
});
const LastEventId = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export function registerRunStreamRoute(api: FastifyInstance, runtime: Runtime, feed: RunEventFeed): void {
  const app = api.withTypeProvider<ZodTypeProvider>();
  // Open streams would keep app.close() waiting for their sockets: end them first.
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const stop of open) stop();
  });
  app.get(
    '/runs/:id/events/stream',
    {
      schema: {
        tags: ['runs'],
        summary: 'Server-Sent Events: the run’s events (`run-event`), status changes (`run-status`) and `end`',
        params: IdParams('a run id'),
        querystring: StreamQuery,
        response: {
          200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: z.string() } } },
          ...ERRORS,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const run = await requireRun(runtime, id);
      const header = LastEventId.safeParse(request.headers['last-event-id']);
      const after = request.query.after ?? (header.success ? header.data : 0);
      followRun(feed, reply, { runId: id, after, status: run.status, open });
    },
  );
}

interface Follow {
  readonly runId: string;
  readonly after: number;
  readonly status: RunStatus;
  /** The stop functions of the open streams. */
  readonly open: Set<() => void>;
}

function followRun(feed: RunEventFeed, reply: FastifyReply, { runId, after, status: initialStatus, open }: Follow): void {
  reply.hijack();
  const raw = reply.raw;
  // Headers set by hooks (helmet, request id) would be lost by writeHead otherwise.
  const hooked = Object.entries(reply.getHeaders()).filter((entry): entry is [string, string | number | string[]] => entry[1] !== undefined);
  raw.writeHead(200, {
    ...Object.fromEntries(hooked),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let status = initialStatus;
  let closed = false;

  const write = (text: string) => {
    if (!closed) raw.write(text);
  };
  const stop = () => {
    if (closed) return;
    closed = true;
    open.delete(stop);
    clearInterval(keepalive);
    unfollow();
    raw.end();
  };

  write(`retry: ${RETRY_MS}\n\n`);
  const keepalive = setInterval(() => write(': keep-alive\n\n'), KEEPALIVE_MS);
  open.add(stop);
  raw.on('close', stop);
  const unfollow = feed.follow(runId, {
    after,
    update(events, current) {
      let text = '';
      for (const event of events) text += `id: ${event.id}\nevent: run-event\ndata: ${event.json}\n\n`;
      if (current !== undefined && current !== status) text += `event: run-status\ndata: ${JSON.stringify({ status: current })}\n\n`;
      if (text !== '') write(text);
      if (current === undefined) return;
      status = current;
      if (isTerminalRunStatus(status)) {
        write(`event: end\ndata: ${JSON.stringify({ status })}\n\n`);
        stop();
      }
    },
    end: stop,
  });
}
