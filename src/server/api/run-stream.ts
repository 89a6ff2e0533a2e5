/**
 * `GET /runs/:id/events/stream`: a run's events as Server-Sent Events.
 *
 * Sends the stored events after `Last-Event-ID` (or `?after=`), then follows the run: it wakes on
 * the in-process event bus (runs executed by this process) and polls the events table every
 * POLL_MS with keyset `id > last` (runs executed by a worker in another process). Each event is
 * `id: <event id>`, `event: run-event`, `data: <StoredEvent JSON>`; a status change is
 * `event: run-status`, and `event: end` (with the terminal status) closes the stream. A client
 * that disconnects stops the poll and the bus subscription at once.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RunStatus } from '../../core/types.js';
import type { Runtime } from '../../runtime.js';
import { getRun, isConnectionError, isTerminalRunStatus } from '../../storage/index.js';
import { requireRun, runEventsPage } from '../read-models/index.js';
import { ERRORS, IdParams, QueryInt } from './schemas.js';

export const POLL_MS = 500;
/** A comment line every so often keeps proxies from closing an idle stream. */
const KEEPALIVE_POLLS = 30;
const PAGE = 500;

const StreamQuery = z.object({
  after: QueryInt(0, Number.MAX_SAFE_INTEGER).optional().describe('Send events with a larger id (default: Last-Event-ID, else all)'),
});
const LastEventId = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export function registerRunStreamRoute(api: FastifyInstance, runtime: Runtime): void {
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
      followRun(runtime, reply, { runId: id, after, status: run.status, open });
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

function followRun(runtime: Runtime, reply: FastifyReply, { runId, after, status: initialStatus, open }: Follow): void {
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
  let last = after;
  let status = initialStatus;
  let closed = false;
  let busy = false;
  let again = false;
  let polls = 0;

  const write = (text: string) => {
    if (!closed) raw.write(text);
  };
  const stop = () => {
    if (closed) return;
    closed = true;
    open.delete(stop);
    clearInterval(timer);
    unsubscribe();
    raw.end();
  };

  /** One pass: status first, then every event up to now, so a terminal status follows its last event. */
  const pump = async () => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      do {
        again = false;
        const current = (await getRun(runtime.database.db, runId))?.status ?? status;
        for (;;) {
          const page = await runEventsPage(runtime, runId, { after: last, limit: PAGE });
          for (const stored of page.events) write(`id: ${stored.id}\nevent: run-event\ndata: ${JSON.stringify(stored)}\n\n`);
          last = page.events.at(-1)?.id ?? last;
          if (!page.hasNewer || closed) break;
        }
        if (current !== status) write(`event: run-status\ndata: ${JSON.stringify({ status: current })}\n\n`);
        status = current;
        if (isTerminalRunStatus(status)) {
          write(`event: end\ndata: ${JSON.stringify({ status })}\n\n`);
          stop();
        }
      } while (again && !closed);
    } catch (error) {
      // The database went away: keep the stream open and read on at the next poll once it is back.
      if (runtime.database.availability !== undefined && isConnectionError(error)) return;
      runtime.logger.warn({ err: error, runId }, 'run event stream failed');
      stop();
    } finally {
      busy = false;
    }
  };

  const unsubscribe = runtime.events.subscribe((event) => {
    if (event.runId === runId) void pump();
  });
  const timer = setInterval(() => {
    polls += 1;
    if (polls % KEEPALIVE_POLLS === 0) write(': keep-alive\n\n');
    void pump();
  }, POLL_MS);
  raw.on('close', stop);
  open.add(stop);
  write(`retry: ${POLL_MS * 2}\n\n`);
  void pump();
}
