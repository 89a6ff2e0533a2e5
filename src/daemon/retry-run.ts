/**
 * Retries and re-execution. A retry is a new run (trigger 'retry') whose parent is the run it
 * repeats; terminal statuses stay final. Re-executing from failure skips every step that
 * succeeded in the parent chain: their outputs are loaded from the materializations.
 */
import { planRun } from '../core/run-plan.js';
import { select } from '../core/selection.js';
import { stepKey } from '../core/step-key.js';
import type { Runtime } from '../runtime.js';
import { IllegalRunTransitionError, RunNotFoundError, createRun, getRun, isTerminalRunStatus, stepsForRun, type Run } from '../storage/index.js';
import { assertPartitionServable } from './partition-refusal.js';
import { announceQueueChanged } from './queue-signals.js';

/** The step keys a run from failure of `parent` skips: what the parent skipped for the same reason, plus what it did. */
export async function succeededSteps(runtime: Runtime, parent: Run): Promise<string[]> {
  const steps = await stepsForRun(runtime.database.db, parent.id);
  const succeeded = steps.filter((step) => step.status === 'SUCCESS').map((step) => stepKey(step.assetKey, step.partitionKey));
  return [...new Set([...parent.skipSteps, ...succeeded])].sort();
}

/**
 * Whether a run that ended because its worker was lost (or shut down) is queued again: run
 * retries are counted by attempt (the first run is attempt 1), and a run someone asked to
 * cancel is never retried.
 */
export function hasRetriesLeft(run: Run): boolean {
  return run.attempt <= run.maxRetries && run.cancelRequestedAt === null;
}

/** Why hasRetriesLeft said no, for the run's error and the logs. */
export function describeRetriesUsed(run: Run): string {
  if (run.cancelRequestedAt !== null) return 'a cancel was requested';
  return run.maxRetries === 0 ? 'its run retries are 0' : `attempt ${run.attempt} of ${run.maxRetries + 1}: its ${run.maxRetries} run retries are used up`;
}

/**
 * Queues the automatic retry of `parent` (worker lost, worker shut down), resuming from failure.
 * Idempotent: its run_key is `retry:<parent id>`, so a monitor and a shutting-down worker, or
 * two monitors, never make two.
 */
export async function queueRetry(runtime: Runtime, parent: Run): Promise<Run> {
  const retry = await createRun(runtime.database.db, {
    selection: parent.selection,
    partitionKey: parent.partitionKey,
    trigger: 'retry',
    tags: parent.tags,
    runKey: `retry:${parent.id}`,
    priority: parent.priority,
    parentRunId: parent.id,
    attempt: parent.attempt + 1,
    maxRetries: parent.maxRetries,
    pools: parent.pools,
    skipSteps: await succeededSteps(runtime, parent),
    partitionRange: parent.partitionRange,
  });
  announceQueueChanged(runtime.database);
  return retry;
}

export interface ReexecuteOptions {
  /** true: skip the steps that succeeded in the run's chain; false: run every step again. */
  readonly fromFailure: boolean;
  /** Unique key of the new run (a backfill's `backfill:<id>:<range>:retry<n>`); default none. */
  readonly runKey?: string;
}

/**
 * Queues a re-execution of an ended run (the API's "re-execute" button). Throws
 * RunNotFoundError, IllegalRunTransitionError (409) while the run has not ended, or
 * PartitionNotServableError when a step it would execute (not one skipped from failure) is of
 * an asset that serves only the current partition and the run's partition is no longer it.
 *
 * @example
 * const rerun = await reexecute(runtime, failedRunId, { fromFailure: true });
 */
export async function reexecute(runtime: Runtime, runId: string, options: ReexecuteOptions): Promise<Run> {
  const parent = await getRun(runtime.database.db, runId);
  if (parent === undefined) throw new RunNotFoundError(runId);
  if (!isTerminalRunStatus(parent.status)) throw new IllegalRunTransitionError(runId, parent.status, 'QUEUED');
  const skipSteps = options.fromFailure ? await succeededSteps(runtime, parent) : [];
  const steps = planRun(runtime.graph, select(runtime.graph, parent.selection), parent.partitionKey ?? undefined, parent.partitionRange);
  assertPartitionServable(runtime.graph, { selection: parent.selection, steps, skip: new Set(skipSteps) }, runtime.clock.now());
  const run = await createRun(runtime.database.db, {
    selection: parent.selection,
    partitionKey: parent.partitionKey,
    trigger: 'retry',
    tags: parent.tags,
    priority: parent.priority,
    ...(options.runKey === undefined ? {} : { runKey: options.runKey }),
    parentRunId: parent.id,
    attempt: parent.attempt + 1,
    maxRetries: parent.maxRetries,
    pools: parent.pools,
    skipSteps,
    partitionRange: parent.partitionRange,
  });
  announceQueueChanged(runtime.database);
  return run;
}
