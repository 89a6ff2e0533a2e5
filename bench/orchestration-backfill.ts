/**
 * Backfill throughput: `createBackfill` of N six-hourly partitions of a no-op asset (one run
 * per partition, five events each), then one worker executes them all. Events per second =
 * the backfill's rows in strata.events / (last event `at` − first event `at`). Planning and
 * queueing the runs is timed apart and is not in that window.
 */
import { sql } from 'kysely';
import { sixHourlyPartitions } from '../src/core/partitions.js';
import { createBackfill } from '../src/daemon/backfill.js';
import { createWorker } from '../src/daemon/worker.js';
import type { Runtime } from '../src/runtime.js';
import type { EventWriter } from '../src/storage/index.js';
import { RunEventTracker } from './orchestration-run-events.js';
import { PARTITIONED_SELECTION } from './orchestration-runtime.js';

const FIRST_PARTITION = '2026-01-01T00:00Z';
const SIX_HOURS_MS = 6 * 3_600_000;

export interface BackfillResult {
  readonly partitions: number;
  readonly runs: number;
  readonly concurrency: number;
  /** createBackfill: planning and queueing every run in one transaction. */
  readonly createMs: number;
  readonly events: number;
  /** First to last event `at`. */
  readonly spanMs: number;
  readonly eventsPerSecond: number;
  readonly runsPerSecond: number;
  readonly failedRuns: number;
}

export interface BackfillOptions {
  readonly partitions: number;
  readonly concurrency: number;
  /** Partitions from the first one (may be negative): a second backfill in one run takes fresh partitions. */
  readonly offset?: number;
  /** Replaces the worker's group commit (directEventWriter: each run's batches in their own transactions), to compare the two in one run. */
  readonly writeEvents?: EventWriter;
}

export async function backfillThroughput(runtime: Runtime, options: BackfillOptions): Promise<BackfillResult> {
  const { partitions, concurrency, writeEvents } = options;
  const keyAt = (index: number) => sixHourlyPartitions.keyFor(new Date(sixHourlyPartitions.parse(FIRST_PARTITION).start.getTime() + index * SIX_HOURS_MS));
  const offset = options.offset ?? 0;
  const createStarted = performance.now();
  const { backfill, runs } = await createBackfill(runtime, { selection: PARTITIONED_SELECTION, from: keyAt(offset), to: keyAt(offset + partitions - 1) });
  const createMs = performance.now() - createStarted;

  const tracker = new RunEventTracker(runtime.events);
  const worker = createWorker(runtime, { concurrency, ...(writeEvents ? { writeEvents } : {}) });
  await worker.start();
  try {
    await tracker.endedCount(runs.length);
  } finally {
    await worker.stop({ graceMs: 1000 });
    tracker.close();
  }
  const failedRuns = tracker.endedRuns().filter((event) => event.type !== 'run:succeeded').length;

  const { rows } = await sql<{ events: string; first_at: Date; last_at: Date }>`
    SELECT count(*) AS events, min(e.at) AS first_at, max(e.at) AS last_at
    FROM strata.events e JOIN strata.runs r ON r.id = e.run_id
    WHERE r.backfill_id = ${backfill.id}`.execute(runtime.database.db);
  const row = rows[0];
  if (row === undefined) throw new Error('no events for the backfill');
  const events = Number(row.events);
  const spanMs = new Date(row.last_at).getTime() - new Date(row.first_at).getTime();
  return {
    partitions,
    runs: runs.length,
    concurrency,
    createMs,
    events,
    spanMs,
    eventsPerSecond: (events / spanMs) * 1000,
    runsPerSecond: (runs.length / spanMs) * 1000,
    failedRuns,
  };
}
