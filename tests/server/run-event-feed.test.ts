/**
 * Live run pages on Postgres, over real HTTP: events a writer with a pool of its own records
 * and announces reach every open stream by NOTIFY (the fallback poll is an hour away), many
 * streams of one run cost one read per notification, and after the LISTEN connection is killed
 * the streams catch up on reconnect with what was written while nobody listened. The writer's
 * announcements: one NOTIFY per burst, naming every run.
 */
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { RunEventBus } from '../../src/core/events.js';
import type { RunEvent } from '../../src/core/types.js';
import { queueRun } from '../../src/daemon/execute-run.js';
import { buildApp } from '../../src/server/app.js';
import { announceRunEvents, RUN_EVENTS_CHANNEL } from '../../src/daemon/run-event-announcer.js';
import { createRunEventFeed, type RunEventFeed } from '../../src/server/live/run-event-feed.js';
import { openDatabase, recordEvent, type StrataDatabase } from '../../src/storage/index.js';
import { SseFollower } from '../helpers/sse-client.js';
import { POSTGRES_SKIP_REASON, postgresTestUrl } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';
import { createLogger } from '../../src/logger.js';

const HOUR_MS = 3_600_000;
const STREAMS = 50;

const describePostgres = postgresTestUrl() === undefined ? describe.skip : describe;

describePostgres(`run event feed on Postgres${postgresTestUrl() === undefined ? ` (skipped: ${POSTGRES_SKIP_REASON})` : ''}`, () => {
  let database: TestDatabase;
  let writer: StrataDatabase;
  const writerEvents = new RunEventBus();
  let stopAnnouncing: () => void = () => {};
  let admin: pg.Client;
  let pipeline: Pipeline;
  let feed: RunEventFeed;
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    database = await createTestDatabase('run_event_feed', { backend: 'postgres' });
    // Another process's worker, as far as the server can tell: its own pool, no shared bus.
    writer = await openDatabase({ databaseUrl: database.url as string, dataDir: tmpdir() });
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    pipeline = await startPipeline(database);
    stopAnnouncing = announceRunEvents(writer, writerEvents, pipeline.runtime.logger);
    feed = createRunEventFeed({ database, logger: pipeline.runtime.logger, events: pipeline.runtime.events, pollMs: HOUR_MS });
    app = await buildApp({ runtime: pipeline.runtime, runEventFeed: feed });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1`;
  });

  afterAll(async () => {
    await app?.close();
    await feed?.close();
    await pipeline?.stop();
    await admin?.end();
    stopAnnouncing();
    await writer?.close();
    await database?.destroy();
  });

  // As a worker does: record, then publish on its bus (which announces it).
  const log = async (runId: string, message: string) => {
    const event: RunEvent = { type: 'log', runId, at: new Date(), level: 'info', message, assetKey: null, partition: null, fields: null };
    await recordEvent(writer.db, event);
    writerEvents.publish(event);
  };

  // bronze/coingecko_global serves only the current partition: queued at the time its schedule would.
  const queue = (partitionKey: string) => {
    pipeline.clock.at(partitionKey);
    return queueRun(pipeline.runtime, { selection: 'bronze/coingecko_global', partitionKey });
  };

  const opened: AbortController[] = [];
  afterEach(() => {
    for (const controller of opened.splice(0)) controller.abort();
  });

  const open = async (runId: string): Promise<SseFollower> => {
    const controller = new AbortController();
    opened.push(controller);
    const response = await fetch(`${base}/runs/${runId}/events/stream`, { signal: controller.signal });
    expect(response.status).toBe(200);
    return new SseFollower(response);
  };

  const listenerPids = async (): Promise<number[]> => {
    const { rows } = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE $1`,
      [`%LISTEN ${RUN_EVENTS_CHANNEL}%`],
    );
    return rows.map((row) => row.pid);
  };

  it(`fans each notification out to ${STREAMS} streams of a run with one read`, async () => {
    const run = await queue('2025-03-01T00:00Z');
    const streams = await Promise.all(Array.from({ length: STREAMS }, () => open(run.id)));
    await vi.waitFor(() => expect(feed.stats()).toMatchObject({ followedRuns: 1, followers: STREAMS }));
    await vi.waitFor(async () => expect(await listenerPids()).toHaveLength(1));
    // The first event also proves the streams' opening reads are over.
    await log(run.id, 'first');
    await Promise.all(streams.map((stream) => stream.eventCount(1)));
    const before = feed.stats().reads;
    const more = 5;
    for (let i = 1; i <= more; i++) {
      await log(run.id, `event ${i}`);
      await Promise.all(streams.map((stream) => stream.eventCount(1 + i)));
    }
    // One read per notification, not one per stream.
    expect(feed.stats().reads - before).toBe(more);
    const ids = streams[0]?.runEvents().map((message) => message.id);
    expect(ids).toHaveLength(1 + more);
    for (const stream of streams) expect(stream.runEvents().map((message) => message.id)).toEqual(ids);
  });

  it('catches up on reconnect with the events written while its LISTEN connection was dead', async () => {
    const run = await queue('2025-03-01T06:00Z');
    const stream = await open(run.id);
    await vi.waitFor(async () => expect(await listenerPids()).toHaveLength(1));
    await log(run.id, 'before');
    await stream.eventCount(1);
    const [killed] = await listenerPids();
    // Waits until the backend is gone: the next event is written with nobody listening (reconnecting takes ≥ 0.4 s).
    await admin.query('SELECT pg_terminate_backend($1, 5000)', [killed]);
    await log(run.id, 'while nobody listened');
    await stream.eventCount(2);
    expect(JSON.parse(stream.runEvents()[1]?.data ?? '{}')).toMatchObject({ event: { message: 'while nobody listened' } });
    const [listening] = await listenerPids();
    expect(listening).toBeDefined();
    expect(listening).not.toBe(killed);
    await log(run.id, 'after');
    await stream.eventCount(3);
  });

  it('UNLISTENs when no stream is open', async () => {
    const run = await queue('2025-03-01T12:00Z');
    const controller = new AbortController();
    const response = await fetch(`${base}/runs/${run.id}/events/stream`, { signal: controller.signal });
    expect(response.status).toBe(200);
    await vi.waitFor(async () => expect(await listenerPids()).toHaveLength(1));
    controller.abort();
    await vi.waitFor(() => expect(feed.stats().followers).toBe(0));
    await vi.waitFor(async () => expect(await listenerPids()).toEqual([]));
  });
});

describePostgres('run event announcements', () => {
  let database: TestDatabase;
  let listener: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase('run_event_announcer', { backend: 'postgres' });
    listener = new pg.Client({ connectionString: database.url });
    await listener.connect();
  });

  afterAll(async () => {
    await listener?.end();
    await database?.destroy();
  });

  it('names every run that had events, and a burst costs one NOTIFY after the first', async () => {
    const received: string[] = [];
    listener.on('notification', (message) => {
      if (message.channel === RUN_EVENTS_CHANNEL && message.payload !== undefined) received.push(message.payload);
    });
    await listener.query(`LISTEN ${RUN_EVENTS_CHANNEL}`);
    const bus = new RunEventBus();
    const stop = announceRunEvents(database, bus, createLogger({ level: 'silent', pretty: false }));
    try {
      const runs = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000003'];
      // 30 events of three runs, published at once: the first goes alone, the other 29 wait for it and go together.
      for (let i = 0; i < 30; i++) {
        bus.publish({ type: 'log', runId: runs[i % 3] as string, at: new Date(), level: 'info', message: `${i}`, assetKey: null, partition: null, fields: null });
      }
      await vi.waitFor(() => expect(received).toHaveLength(2));
      expect(received[0]).toBe(runs[0]);
      expect(received[1]?.split(',').sort()).toEqual([...runs].sort());
    } finally {
      stop();
    }
  });
});
