/**
 * The run monitor: finds runs whose worker stopped heartbeating (crashed, killed, cut off) and
 * ends them, so nothing stays STARTED forever. A run is failed with a run:failed event saying
 * which worker went silent, then retried from failure per its run retries (`max_retries`: from
 * the request, the schedule or STRATA_RUN_MAX_RETRIES; never after a cancel). Safe to run in
 * several processes at once: ending a run is a compare-and-set on its status, and a retry's
 * run_key (`retry:<parent id>`) is unique.
 */
import { type RawBuilder, sql } from 'kysely';
import type { Clock } from '../core/types.js';
import type { Runtime } from '../runtime.js';
import { IllegalRunTransitionError, type Run, availabilityOf, getRun, recordEvent } from '../storage/index.js';
import { toRun } from '../storage/runs.js';
import { type BackgroundLoop, loopReporter, startBackgroundLoop } from './background-loop.js';
import { cancelQueuedRun } from './cancel-run.js';
import { describeRetriesUsed, hasRetriesLeft, queueRetry } from './retry-run.js';

/** The monitor finds its own failures (whose retry a crash may have lost) by their message. */
export const WORKER_LOST_PATTERN = 'worker % stopped heartbeating%';

/**
 * True for a FAILURE that is not the end of its work: a retry of it exists, or the monitor will
 * queue one (its worker was lost, retries are left, nobody asked to cancel; retryMissed below
 * queues it even after a crash). `run` is the alias of a strata.runs row in the query.
 */
export function retriedFailure(run: string): RawBuilder<boolean> {
  const column = (name: string) => sql.ref(`${run}.${name}`);
  return sql<boolean>`(${column('status')} = 'FAILURE' AND ${column('attempt')} <= ${column('max_retries')} AND ${column('cancel_requested_at')} IS NULL
    AND (${column('error')} LIKE ${WORKER_LOST_PATTERN} OR EXISTS (SELECT 1 FROM strata.runs c WHERE c.run_key = 'retry:' || ${column('id')}::text)))`;
}

export interface MonitorResult {
  /** Runs failed because their worker went silent, with the retry queued for each (if any). */
  readonly failed: ReadonlyArray<{ readonly run: Run; readonly retry: Run | undefined }>;
  /** Runs ended CANCELED: a cancel was requested and then their worker went silent, or a cancel of a queued run was cut short. */
  readonly canceled: readonly string[];
}

/** One pass; `now` is compared with `heartbeat_at` (written from the workers' clocks). */
export async function runMonitorOnce(runtime: Runtime, now: Date = runtime.clock.now()): Promise<MonitorResult> {
  const { db } = runtime.database;
  const timeoutMs = runtime.config.heartbeatTimeoutMs;
  const cutoff = new Date(now.getTime() - timeoutMs);
  const stale = await db
    .selectFrom('strata.runs')
    .selectAll()
    .where('status', 'in', ['STARTING', 'STARTED'])
    .where((eb) => eb(eb.fn.coalesce('heartbeat_at', 'created_at'), '<', cutoff))
    .orderBy('created_at')
    .execute();
  const failed: Array<{ run: Run; retry: Run | undefined }> = [];
  const canceled: string[] = [];

  for (const row of stale) {
    const run = toRun(row);
    const durationMs = now.getTime() - (run.startedAt ?? run.createdAt).getTime();
    const last = run.heartbeatAt?.toISOString() ?? 'never';
    if (run.cancelRequestedAt !== null) {
      if (await endRun(runtime, { type: 'run:canceled', runId: run.id, at: now, durationMs })) canceled.push(run.id);
      continue;
    }
    const message = `worker ${run.workerId ?? '(unknown)'} stopped heartbeating (last heartbeat ${last}, timeout ${timeoutMs / 1000} s)`;
    if (!(await endRun(runtime, { type: 'run:failed', runId: run.id, at: now, durationMs, message }))) continue;
    runtime.logger.warn({ runId: run.id, workerId: run.workerId }, message);
    failed.push({ run, retry: await retryIfAllowed(runtime, run) });
  }

  failed.push(...(await retryMissed(runtime, now)));

  // A cancel of a queued run that crashed between the request and run:canceled.
  const halfCanceled = await db
    .selectFrom('strata.runs')
    .select('id')
    .where('status', '=', 'QUEUED')
    .where('cancel_requested_at', 'is not', null)
    .execute();
  for (const { id } of halfCanceled) {
    await cancelQueuedRun(runtime, id, now);
    canceled.push(id);
  }
  return { failed, canceled };
}

/** False when another monitor (or the worker itself) ended the run first. */
async function endRun(runtime: Runtime, event: Parameters<typeof recordEvent>[1]): Promise<boolean> {
  try {
    await recordEvent(runtime.database.db, event);
    runtime.events.publish(event);
    return true;
  } catch (error) {
    if (error instanceof IllegalRunTransitionError) return false;
    throw error;
  }
}

async function retryIfAllowed(runtime: Runtime, failed: Run): Promise<Run | undefined> {
  // Read again: a cancel requested after the stale runs were listed must still win.
  const run = (await getRun(runtime.database.db, failed.id)) ?? failed;
  if (!hasRetriesLeft(run)) {
    runtime.logger.info({ runId: run.id }, `not retried: ${describeRetriesUsed(run)}`);
    return undefined;
  }
  const retry = await queueRetry(runtime, run);
  runtime.logger.info({ runId: run.id, retryRunId: retry.id, attempt: retry.attempt }, 'queued a retry that resumes from failure');
  return retry;
}

/** Runs this monitor failed whose retry was never queued (a crash in between), from the last day. */
async function retryMissed(runtime: Runtime, now: Date): Promise<Array<{ run: Run; retry: Run | undefined }>> {
  const rows = await runtime.database.db
    .selectFrom('strata.runs as r')
    .select('r.id')
    .where('r.status', '=', 'FAILURE')
    .where('r.error', 'like', WORKER_LOST_PATTERN)
    .where('r.ended_at', '>', new Date(now.getTime() - 86_400_000))
    .where(sql<boolean>`r.attempt <= r.max_retries`)
    .where('r.cancel_requested_at', 'is', null)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('strata.runs as c').select('c.id').where(sql<boolean>`c.run_key = 'retry:' || r.id::text`))),
    )
    .execute();
  const result: Array<{ run: Run; retry: Run | undefined }> = [];
  for (const { id } of rows) {
    const run = await getRun(runtime.database.db, id);
    if (run !== undefined) result.push({ run, retry: await retryIfAllowed(runtime, run) });
  }
  return result;
}

export interface RunMonitorOptions {
  /** Default: a sixth of the heartbeat timeout (at most 5 s). */
  readonly intervalMs?: number;
  readonly clock?: Clock;
  /** The process whose row records the loop's results. */
  readonly processId?: string;
}

/**
 * The monitor as a background loop, for `strata daemon` / `strata worker` / `strata start`.
 * After a database outage it judges no heartbeat for one timeout: no worker could beat while
 * the database was away, and failing their live runs on recovery would only retry them.
 */
export function startRunMonitor(runtime: Runtime, options: RunMonitorOptions = {}): BackgroundLoop {
  const clock = options.clock ?? runtime.clock;
  const availability = availabilityOf(runtime.database);
  let judgeFrom = Number.NEGATIVE_INFINITY;
  const unsubscribe = availability.onChange((available) => {
    if (available) judgeFrom = clock.now().getTime() + runtime.config.heartbeatTimeoutMs;
  });
  const loop = startBackgroundLoop({
    name: 'run_monitor',
    intervalMs: options.intervalMs ?? Math.min(5_000, Math.max(50, Math.floor(runtime.config.heartbeatTimeoutMs / 6))),
    clock,
    logger: runtime.logger,
    iteration: async () => {
      const now = clock.now();
      if (now.getTime() >= judgeFrom) await runMonitorOnce(runtime, now);
    },
    ...(options.processId ? { report: loopReporter(runtime.database, options.processId, 'run_monitor', clock) } : {}),
    availability,
  });
  return {
    wake: () => loop.wake(),
    async stop() {
      unsubscribe();
      await loop.stop();
    },
  };
}
