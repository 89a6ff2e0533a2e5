/**
 * Cancel (CLI `strata cancel`, the API). A queued run is canceled at once; a claimed or running
 * one gets `cancel_requested_at`, which reaches its executor through NOTIFY / the in-process
 * bus or the executor's poll, and its AbortSignal ends the running step.
 */
import type { Runtime } from '../runtime.js';
import { IllegalRunTransitionError, RunNotFoundError, getRun, recordEvent, type Run } from '../storage/index.js';
import { announceCancelRequested } from './queue-signals.js';
import { RunNotCancelableError } from './run-errors.js';

/**
 * Returns the run as it is after the request: CANCELED if it was queued, otherwise still
 * STARTING/STARTED with `cancelRequestedAt` set (it ends CANCELED within about 2 s).
 * Throws RunNotFoundError (404) or RunNotCancelableError (409) for a run that already ended.
 *
 * @example
 * const run = await requestCancel(runtime, runId);
 * if (run.status !== 'CANCELED') await waitForRunEnd(run.id);
 */
export async function requestCancel(runtime: Runtime, runId: string): Promise<Run> {
  const { db } = runtime.database;
  const now = runtime.clock.now();
  // A queued run with a cancel request is never claimed, so the CANCELED below cannot race a worker.
  const requested = await db
    .updateTable('strata.runs')
    .set((eb) => ({ cancel_requested_at: eb.fn.coalesce('cancel_requested_at', eb.val(now)) }))
    .where('id', '=', runId)
    .where('status', 'in', ['QUEUED', 'STARTING', 'STARTED'])
    .returning(['status'])
    .executeTakeFirst()
    .catch((error: unknown) => {
      // Not a uuid: no such run.
      if (typeof error === 'object' && error !== null && 'code' in error && error.code === '22P02') return undefined;
      throw error;
    });
  if (requested === undefined) {
    const run = await getRun(db, runId);
    if (run === undefined) throw new RunNotFoundError(runId);
    throw new RunNotCancelableError(runId, run.status);
  }
  if (requested.status === 'QUEUED') {
    await cancelQueuedRun(runtime, runId, now);
  } else {
    announceCancelRequested(runtime.database, runId);
  }
  const run = await getRun(db, runId);
  if (run === undefined) throw new RunNotFoundError(runId);
  return run;
}

/** Records run:canceled for a queued run; the monitor calls it too for a request cut short by a crash. */
export async function cancelQueuedRun(runtime: Runtime, runId: string, at: Date): Promise<void> {
  try {
    await recordEvent(runtime.database.db, { type: 'run:canceled', runId, at, durationMs: 0 });
  } catch (error) {
    // Another canceler got there first.
    if (!(error instanceof IllegalRunTransitionError)) throw error;
  }
}
