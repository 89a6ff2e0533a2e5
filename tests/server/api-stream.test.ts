/**
 * `GET /api/v1/runs/:id/events/stream` over a real socket: the stored events, then live ones
 * (from the in-process bus, NOTIFY on Postgres — the fallback poll set an hour away — or polled
 * on PGlite when another process writes them), status changes and `end`; resuming with
 * Last-Event-ID; a client that goes away stops following.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { RunEventBus } from '../../src/core/events.js';
import { executeStoredRun, queueRun } from '../../src/daemon/execute-run.js';
import { announceRunEvents } from '../../src/daemon/run-event-announcer.js';
import { buildApp } from '../../src/server/app.js';
import { createRunEventFeed, defaultRunEventPollMs, type RunEventFeed } from '../../src/server/live/run-event-feed.js';
import { eventsForRun, getRun } from '../../src/storage/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { readMessages, type SseMessage } from '../helpers/sse-client.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { PARTITION, startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';

const eventTypes = (messages: SseMessage[]) =>
  messages.filter((message) => message.event === 'run-event').map((message) => (JSON.parse(message.data) as { event: { type: string } }).event.type);

describeEachBackend('run event stream (SSE)', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let app: FastifyInstance;
  let feed: RunEventFeed;
  let base: string;

  beforeAll(async () => {
    database = await createTestDatabase('api_stream', { backend });
    pipeline = await startPipeline(database);
    // On Postgres the fallback poll is an hour away: NOTIFY alone brings what another process writes.
    const pollMs = backend === 'postgres' ? 3_600_000 : defaultRunEventPollMs(database);
    feed = createRunEventFeed({ database, logger: pipeline.runtime.logger, events: pipeline.runtime.events, pollMs });
    app = await buildApp({ runtime: pipeline.runtime, runEventFeed: feed });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1`;
  });

  afterAll(async () => {
    await app?.close();
    await feed?.close();
    await pipeline?.stop();
    await database?.destroy();
  });

  it('follows a run launched through the API to its end, live', async () => {
    // bronze/coingecko_global serves only the current partition: launched at the time its schedule would.
    pipeline.clock.at(PARTITION);
    const launched = await fetch(`${base}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ selection: 'bronze/coingecko_global', partition: PARTITION }),
    });
    expect(launched.status).toBe(201);
    const { run } = (await launched.json()) as { run: { id: string } };
    const response = await fetch(`${base}/runs/${run.id}/events/stream`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const reading = readMessages(response, (message) => message.event === 'end');
    const queued = await getRun(database.db, run.id);
    if (queued === undefined) throw new Error('the launched run was not stored');
    expect(queued.status).toBe('QUEUED');
    expect((await executeStoredRun(pipeline.runtime, queued)).status).toBe('SUCCESS');
    const messages = await reading;
    // Exactly the stored events, in order, each once.
    const stored = await eventsForRun(database.db, run.id);
    expect(messages.filter((message) => message.event === 'run-event').map((message) => Number(message.id))).toEqual(stored.map((event) => event.id));
    expect(eventTypes(messages)[0]).toBe('run:started');
    expect(eventTypes(messages).at(-1)).toBe('run:succeeded');
    expect(messages.filter((message) => message.event === 'run-status').map((message) => JSON.parse(message.data) as unknown).at(-1)).toEqual({ status: 'SUCCESS' });
    expect(messages.at(-1)).toEqual({ event: 'end', data: '{"status":"SUCCESS"}' });
  });

  it('picks up events another process writes (NOTIFY on Postgres, polling on PGlite), and resumes after Last-Event-ID', async () => {
    pipeline.clock.at('2025-02-09T18:00Z');
    const run = await queueRun(pipeline.runtime, { selection: 'bronze/coingecko_global', partitionKey: '2025-02-09T18:00Z' });
    const response = await fetch(`${base}/runs/${run.id}/events/stream`);
    const reading = readMessages(response, (message) => message.event === 'end');
    // A worker elsewhere: its events never reach this process's bus.
    const elsewhere = { ...pipeline.runtime, events: new RunEventBus() };
    // ... which, like every process's runtime on Postgres, announces them by NOTIFY.
    const stopAnnouncing = announceRunEvents(database, elsewhere.events, pipeline.runtime.logger);
    try {
      expect((await executeStoredRun(elsewhere, run)).status).toBe('SUCCESS');
    } finally {
      stopAnnouncing();
    }
    const messages = await reading;
    const events = messages.filter((message) => message.event === 'run-event');
    expect(eventTypes(messages).at(-1)).toBe('run:succeeded');
    expect(messages.at(-1)?.event).toBe('end');

    const middle = events[1]?.id as string;
    const resumed = await fetch(`${base}/runs/${run.id}/events/stream`, { headers: { 'last-event-id': middle } });
    const rest = await readMessages(resumed, (message) => message.event === 'end');
    expect(rest.filter((message) => message.event === 'run-event').map((message) => message.id)).toEqual(events.slice(2).map((message) => message.id));
    const after = await fetch(`${base}/runs/${run.id}/events/stream?after=${events.at(-1)?.id as string}`);
    expect(await readMessages(after, (message) => message.event === 'end')).toEqual([{ event: 'end', data: '{"status":"SUCCESS"}' }]);
  });

  it('stops following the run, and lets go of the bus, when the client disconnects', async () => {
    pipeline.clock.at('2025-02-10T00:00Z');
    const run = await queueRun(pipeline.runtime, { selection: 'bronze/coingecko_global', partitionKey: '2025-02-10T00:00Z' });
    const bus = pipeline.runtime.events;
    const original = bus.subscribe.bind(bus);
    const unsubscribed = vi.fn();
    const subscribe = vi.spyOn(bus, 'subscribe').mockImplementation((listener) => {
      const unsubscribe = original(listener);
      return () => {
        unsubscribed();
        unsubscribe();
      };
    });
    try {
      const controller = new AbortController();
      const response = await fetch(`${base}/runs/${run.id}/events/stream`, { signal: controller.signal });
      expect(response.status).toBe(200);
      await vi.waitFor(() => expect(feed.stats()).toMatchObject({ followedRuns: 1, followers: 1 }));
      // PGlite has no NOTIFY: the feed follows the in-process bus, once for all its streams.
      expect(subscribe).toHaveBeenCalledTimes(backend === 'pglite' ? 1 : 0);
      controller.abort();
      await vi.waitFor(() => expect(feed.stats()).toMatchObject({ followedRuns: 0, followers: 0 }));
      expect(unsubscribed).toHaveBeenCalledTimes(backend === 'pglite' ? 1 : 0);
    } finally {
      subscribe.mockRestore();
    }
  });

  it('app.close() ends open streams instead of waiting for them', async () => {
    const other = await buildApp({ runtime: pipeline.runtime });
    await other.listen({ host: '127.0.0.1', port: 0 });
    pipeline.clock.at('2025-02-10T06:00Z');
    const run = await queueRun(pipeline.runtime, { selection: 'bronze/coingecko_global', partitionKey: '2025-02-10T06:00Z' });
    const response = await fetch(`http://127.0.0.1:${(other.server.address() as AddressInfo).port}/api/v1/runs/${run.id}/events/stream`);
    const reading = readMessages(response, () => false);
    await other.close();
    expect(await reading).toEqual([]);
  });
});
