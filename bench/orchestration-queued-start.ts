/**
 * Request → first step of a high-priority run while 1,000 runs are already queued (issue 16),
 * beside the same measurement with an empty queue, with one worker of the backfill's
 * concurrency. The queued runs are no-ops at priority 0, which the worker keeps executing at
 * full concurrency; before each timed run the queue is topped up to `queued` (not timed), so
 * the timed run always meets a full worker and a deep queue: it starts at the next free slot,
 * ahead of every queued run, and that wait is part of the figure, as it is for a user.
 *
 * The claim query's plan (EXPLAIN of its shape, 1,000 queued) is reported too: it should read
 * the partial index runs_queue_idx in order rather than sort the queue.
 */
import { sql } from 'kysely';
import { prepareRun, queueRun } from '../src/daemon/execute-run.js';
import { createWorker } from '../src/daemon/worker.js';
import type { Runtime } from '../src/runtime.js';
import { createRuns, queueDepth } from '../src/storage/index.js';
import { RunEventTracker } from './orchestration-run-events.js';
import { NOOP_SELECTION } from './orchestration-runtime.js';

const WARM_UP_RUNS = 5;
const HIGH_PRIORITY = 100;

export interface QueuedStartResult {
  readonly queued: number;
  readonly concurrency: number;
  readonly emptyQueueMs: readonly number[];
  readonly fullQueueMs: readonly number[];
  /** Queue depth seen before the timed runs (min, max): what "already queued" was. */
  readonly depthRange: readonly [number, number];
  /** The claim query's plan with the queue full; one line per plan node. */
  readonly claimPlan: string;
}

export async function queuedStartLatency(runtime: Runtime, runs: number, queued: number, concurrency: number): Promise<QueuedStartResult> {
  const tracker = new RunEventTracker(runtime.events);
  const worker = createWorker(runtime, { concurrency });
  await worker.start();
  const depths: number[] = [];
  const filler = { ...prepareRun(runtime, { selection: NOOP_SELECTION, priority: 0 }), assetKeys: [NOOP_SELECTION] };
  const topUp = async (): Promise<void> => {
    const depth = await queueDepth(runtime.database.db);
    if (depth < queued) await createRuns(runtime.database.db, Array.from({ length: queued - depth }, () => filler));
    depths.push(Math.max(depth, queued));
  };
  const timeOne = async (): Promise<number> => {
    const requestedAt = Date.now();
    const run = await queueRun(runtime, { selection: NOOP_SELECTION, priority: HIGH_PRIORITY });
    const end = await tracker.ended(run.id);
    if (end.type !== 'run:succeeded') throw new Error(`run ${run.id} ended ${end.type}`);
    const firstStepAt = tracker.firstStepAt(run.id);
    if (firstStepAt === undefined) throw new Error(`run ${run.id} ended without a step:started event`);
    return firstStepAt.getTime() - requestedAt;
  };
  try {
    const timed = async (before: () => Promise<void>): Promise<number[]> => {
      for (let i = 0; i < WARM_UP_RUNS; i++) {
        await before();
        await timeOne();
      }
      const samples: number[] = [];
      for (let i = 0; i < runs; i++) {
        await before();
        samples.push(await timeOne());
      }
      return samples;
    };
    const emptyQueueMs = await timed(async () => undefined);
    await topUp();
    const claimPlan = await explainClaim(runtime);
    depths.length = 0;
    const fullQueueMs = await timed(topUp);
    return {
      queued,
      concurrency,
      emptyQueueMs,
      fullQueueMs,
      depthRange: [Math.min(...depths), Math.max(...depths)],
      claimPlan,
    };
  } finally {
    await worker.stop({ graceMs: 1000 });
    // The fillers still queued are not this measurement's: leave the database as the next one expects.
    await runtime.database.db.deleteFrom('strata.runs').where('status', '=', 'QUEUED').execute();
    tracker.close();
  }
}

/** The shape of claimRuns' query (src/storage/run-queue.ts), without FOR UPDATE (EXPLAIN only). */
async function explainClaim(runtime: Runtime): Promise<string> {
  await sql`ANALYZE strata.runs`.execute(runtime.database.db);
  const { rows } = await sql<{ 'QUERY PLAN': string }>`
    EXPLAIN SELECT id, pools FROM strata.runs
    WHERE status = 'QUEUED' AND cancel_requested_at IS NULL
    ORDER BY priority DESC, queue_seq LIMIT 1`.execute(runtime.database.db);
  return rows.map((row) => row['QUERY PLAN'].trim()).join(' | ');
}
