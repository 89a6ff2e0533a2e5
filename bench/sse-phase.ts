/**
 * One phase of the SSE bench: a fresh server (the real app on a real port, its own pool and run
 * event feed) with `streams` open streams of one run, while a writer with a pool of its own —
 * another process's worker, as far as the server can tell — records `events` log events of that
 * run, one transaction each, at `rate` per second, and announces them as a worker does. The phase ends when every stream has every
 * event; then every pool is closed, so each backend flushes its statistics on exit and the
 * bench database's pg_stat_database delta holds the whole phase.
 */
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { RunEventBus } from '../src/core/events.js';
import type { RunEvent } from '../src/core/types.js';
import { queueRun } from '../src/daemon/execute-run.js';
import { announceRunEvents } from '../src/daemon/run-event-announcer.js';
import { buildApp } from '../src/server/app.js';
import { createRunEventFeed, defaultRunEventPollMs } from '../src/server/live/run-event-feed.js';
import { openDatabase, recordEvent } from '../src/storage/index.js';
import { NOOP_SELECTION, openBenchRuntime } from './orchestration-runtime.js';

export interface DatabaseWork {
  readonly commits: number;
  readonly tuplesReturned: number;
  readonly tuplesFetched: number;
}

export interface PhaseResult {
  readonly streams: number;
  readonly events: number;
  /** Queries of the server's pool while the events were written (the streams' share of the work). */
  readonly serverQueries: number;
  /** Reads of the run by the feed in that window. */
  readonly feedReads: number;
  /** Queries of the server's pool to open the streams (one route lookup and one first read per stream, at most). */
  readonly openQueries: number;
  /** Commit of an event → the last stream that received it, ms. */
  readonly deliveryP50Ms: number;
  readonly deliveryP99Ms: number;
  /** The whole phase (opening, writing, the writer's own work), from pg_stat_database. */
  readonly database: DatabaseWork;
}

export interface PhaseOptions {
  readonly databaseUrl: string;
  readonly adminUrl: string;
  readonly databaseName: string;
  readonly streams: number;
  readonly events: number;
  readonly rate: number;
}

export async function ssePhase(options: PhaseOptions): Promise<PhaseResult> {
  const admin = new pg.Client({ connectionString: options.adminUrl });
  await admin.connect();
  try {
    await backendsGone(admin, options.databaseName);
    const before = await databaseWork(admin, options.databaseName);
    const result = await runPhase(options);
    await backendsGone(admin, options.databaseName);
    const after = await databaseWork(admin, options.databaseName);
    return {
      ...result,
      database: {
        commits: after.commits - before.commits,
        tuplesReturned: after.tuplesReturned - before.tuplesReturned,
        tuplesFetched: after.tuplesFetched - before.tuplesFetched,
      },
    };
  } finally {
    await admin.end();
  }
}

async function runPhase(options: PhaseOptions): Promise<Omit<PhaseResult, 'database'>> {
  const bench = await openBenchRuntime('postgres', { chainLength: 1, databaseUrl: options.databaseUrl });
  const { runtime } = bench;
  const writer = await openDatabase({ databaseUrl: options.databaseUrl, dataDir: bench.dataDir });
  const writerEvents = new RunEventBus();
  const stopAnnouncing = announceRunEvents(writer, writerEvents, runtime.logger);
  const write = async (event: RunEvent) => {
    await recordEvent(writer.db, event);
    writerEvents.publish(event);
  };
  const feed = createRunEventFeed({ database: runtime.database, logger: runtime.logger, events: runtime.events, pollMs: defaultRunEventPollMs(runtime.database) });
  const app = await buildApp({ runtime, runEventFeed: feed });
  let queries = 0;
  runtime.database.pgPool?.on('acquire', () => {
    queries += 1;
  });
  const controllers: AbortController[] = [];
  try {
    const run = await queueRun(runtime, { selection: NOOP_SELECTION });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1/runs/${run.id}/events/stream`;
    const total = options.events + 1;
    // arrivals[i]: when the latest stream received event i (the warm-up is event 0).
    const arrivals = new Float64Array(total);
    const received = new Array<number>(options.streams).fill(0);
    let complete = 0;
    let allDone: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      allDone = resolve;
    });
    const waiters = new Map<number, () => void>();
    let warmedUp = 0;
    const queriesBefore = queries;
    for (let s = 0; s < options.streams; s++) {
      const controller = new AbortController();
      controllers.push(controller);
      const response = await fetch(url, { signal: controller.signal });
      if (response.status !== 200) throw new Error(`stream ${s}: HTTP ${response.status}`);
      void consume(response, () => {
        const index = received[s] ?? 0;
        received[s] = index + 1;
        arrivals[index] = Math.max(arrivals[index] ?? 0, performance.now());
        if (index === 0 && ++warmedUp === options.streams) waiters.get(0)?.();
        if (index + 1 === total && ++complete === options.streams) allDone();
      }).catch(() => undefined);
    }
    const warm = new Promise<void>((resolve) => waiters.set(0, resolve));
    await write(logEvent(run.id, 'warm-up'));
    await warm;
    const openQueries = queries - queriesBefore;
    const windowQueries = queries;
    const windowReads = feed.stats().reads;
    const committed = new Float64Array(total);
    const interval = 1000 / options.rate;
    const started = performance.now();
    for (let i = 1; i < total; i++) {
      const due = started + (i - 1) * interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      await write(logEvent(run.id, `event ${i}`));
      committed[i] = performance.now();
    }
    await done;
    const delivery = Array.from({ length: options.events }, (_, i) => (arrivals[i + 1] ?? 0) - (committed[i + 1] ?? 0)).sort((a, b) => a - b);
    return {
      streams: options.streams,
      events: options.events,
      serverQueries: queries - windowQueries,
      feedReads: feed.stats().reads - windowReads,
      openQueries,
      deliveryP50Ms: percentile(delivery, 0.5),
      deliveryP99Ms: percentile(delivery, 0.99),
    };
  } finally {
    for (const controller of controllers) controller.abort();
    await app.close();
    await feed.close();
    stopAnnouncing();
    await writer.close();
    await bench.close();
  }
}

function logEvent(runId: string, message: string): RunEvent {
  return { type: 'log', runId, at: new Date(), level: 'info', message, assetKey: null, partition: null, fields: null };
}

/** Calls `onEvent` for each `run-event` message of an SSE response. */
async function consume(response: Response, onEvent: () => void): Promise<void> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      if (buffer.slice(0, end).includes('\nevent: run-event\n')) onEvent();
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
    }
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}

/** pg_stat_database counts a backend's work when it flushes, at the latest when it exits: wait for the phase's backends to go. */
async function backendsGone(admin: pg.Client, name: string): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    const { rows } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
    if (rows[0]?.n === 0) return;
    await sleep(50);
  }
  throw new Error(`connections to ${name} stayed open after the phase`);
}

async function databaseWork(admin: pg.Client, name: string): Promise<DatabaseWork> {
  const { rows } = await admin.query<{ xact_commit: string; tup_returned: string; tup_fetched: string }>(
    'SELECT xact_commit, tup_returned, tup_fetched FROM pg_stat_database WHERE datname = $1',
    [name],
  );
  const row = rows[0];
  if (row === undefined) throw new Error(`no statistics for ${name}`);
  return { commits: Number(row.xact_commit), tuplesReturned: Number(row.tup_returned), tuplesFetched: Number(row.tup_fetched) };
}
