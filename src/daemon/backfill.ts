/**
 * Backfills: one request to run a selection over a range of partitions. Creating one stores
 * the backfill and queues its runs in one transaction (one run per partition; a chunk is a
 * group of consecutive partitions whose runs share a queue priority, later chunks lower). The
 * selection's `backfillPolicy: 'single_run'` assets get ONE range run for the whole range
 * instead, and then the per-partition runs are queued only once it has succeeded
 * (backfill-release.ts), since they read what it lands. Workers execute the runs like any other; progress and status
 * are read back from them.
 */
import { ValidationError } from '../core/errors.js';
import { rangeLabel } from '../core/partition-range.js';
import { select } from '../core/selection.js';
import type { AssetKey } from '../core/types.js';
import type { Runtime } from '../runtime.js';
import {
  addSkippedPartitions,
  backfillRuns,
  cancelQueuedBackfillRuns,
  getBackfill,
  insertBackfill,
  listBackfills,
  materializedPartitions,
  setBackfillStatus,
  type Backfill,
  type SkippedPartition,
} from '../storage/backfills.js';
import { createRun, type Run } from '../storage/index.js';
import { BackfillNotFoundError, BackfillStateError } from './backfill-errors.js';
import { assetsToLookUp, planBackfillPartition, resolveBackfillRange, type BackfillRange, type IsMaterialized, type PartitionPlan } from './backfill-plan.js';
import { backfillProgress, latestRunPerPartition, retryNumber, runPartitionLabel, type BackfillProgress } from './backfill-progress.js';
import { releaseDeferredRuns } from './backfill-release.js';
import { planRangeRun, splitByBackfillPolicy } from './range-run-plan.js';
import { reexecute } from './retry-run.js';
import { requestCancel } from './cancel-run.js';
import { prepareRun } from './execute-run.js';
import { announceQueueChanged } from './queue-signals.js';

export interface BackfillRequest {
  /** Selection syntax, as for `strata materialize`. */
  readonly selection: string;
  /** First and last partition keys, both included, of one partitions kind. */
  readonly from: string;
  readonly to: string;
  /** Partitions per chunk; default 1. */
  readonly chunk?: number;
  /** Run retries of each of its runs (worker lost); default config.runMaxRetries. */
  readonly maxRetries?: number;
}

/** A backfill with its status derived from its runs, and its progress. */
export interface BackfillDetail extends Backfill {
  readonly progress: BackfillProgress;
}

export interface CreatedBackfill {
  readonly backfill: BackfillDetail;
  /** The queued runs, in partition order. */
  readonly runs: readonly Run[];
}

/**
 * Validates the request, decides each partition's run (see backfill-plan.ts) and queues them.
 * Throws InvalidSelectionError, InvalidPartitionKeyError or ValidationError naming the field.
 *
 * @example
 * const { backfill, runs } = await createBackfill(runtime, { selection: '*', from: '2026-11-01T00:00Z', to: '2026-11-02T18:00Z' });
 */
export async function createBackfill(runtime: Runtime, request: BackfillRequest): Promise<CreatedBackfill> {
  const chunk = request.chunk ?? 1;
  if (!Number.isInteger(chunk) || chunk < 1) throw new ValidationError(`chunk must be a positive integer, got ${String(request.chunk)}`);
  const selection = request.selection.trim();
  const { graph } = runtime;
  const range = resolveBackfillRange(graph, selection, request.from, request.to, runtime.clock.now());
  const split = splitByBackfillPolicy(graph, range.keys);
  const isMaterialized = await lookUpMaterialized(runtime, range, range.partitionKeys);
  const rangePlan = split.rangeKeys.length > 0 ? planRangeRun(graph, range, split.rangeKeys, isMaterialized) : undefined;
  const rangeRuns = rangePlan !== undefined && 'keys' in rangePlan;
  // Per-partition runs read what the range run lands: they are queued once it has succeeded (backfill-release.ts).
  const plans = rangeRuns ? [] : planPartitions(runtime, range, split.perPartitionKeys, range.partitionKeys, isMaterialized);
  const selectedCount = select(graph, selection).length;
  const runSelection = (keys: readonly AssetKey[]) => (keys.length === selectedCount ? selection : keys.join(','));

  const result = await runtime.database.db.transaction().execute(async (trx) => {
    const trxRuntime: Runtime = { ...runtime, database: { ...runtime.database, db: trx } };
    const backfill = await insertBackfill(trx, {
      selection,
      partitionsKind: range.partitions.kind,
      partitionFrom: request.from,
      partitionTo: request.to,
      partitionsTotal: range.partitionKeys.length,
      chunkSize: chunk,
      skipped: [...(rangePlan !== undefined && 'skipped' in rangePlan ? [rangePlan.skipped] : []), ...plans.flatMap((plan) => ('skipped' in plan ? [plan.skipped] : []))],
    });
    const runs: Run[] = [];
    if (rangePlan !== undefined && 'keys' in rangePlan) {
      const input = prepareRun(trxRuntime, {
        selection: runSelection(rangePlan.keys),
        partitionRange: rangePlan.range,
        trigger: 'backfill',
        tags: { backfill: backfill.id, backfill_chunk: '0' },
        runKey: `backfill:${backfill.id}:${rangeLabel(rangePlan.range)}`,
        priority: -1,
        ...(request.maxRetries !== undefined ? { maxRetries: request.maxRetries } : {}),
      });
      runs.push(await createRun(trx, input));
    }
    for (const [position, plan] of plans.entries()) {
      if ('skipped' in plan) continue;
      const chunkIndex = Math.floor(position / chunk);
      const input = prepareRun(trxRuntime, {
        selection: runSelection(plan.keys),
        partitionKey: plan.partition,
        trigger: 'backfill',
        tags: { backfill: backfill.id, backfill_chunk: String(chunkIndex) },
        runKey: `backfill:${backfill.id}:${plan.partition}`,
        // Claimed in chunk order; a backfill never outranks a manual or scheduled run (priority 0).
        priority: -1 - chunkIndex,
        ...(request.maxRetries !== undefined ? { maxRetries: request.maxRetries } : {}),
      });
      runs.push(await createRun(trx, input));
    }
    return { backfill, runs };
  });
  announceQueueChanged(runtime.database);
  return { backfill: await detail(runtime, result.backfill), runs: result.runs };
}

/** Throws BackfillNotFoundError. Stores the derived status when it changed. */
export async function getBackfillDetail(runtime: Runtime, id: string): Promise<BackfillDetail> {
  const backfill = await getBackfill(runtime.database.db, id);
  if (backfill === undefined) throw new BackfillNotFoundError(id);
  return detail(runtime, backfill);
}

/** Newest first, each with its derived status and progress. */
export async function listBackfillDetails(runtime: Runtime, limit = 50): Promise<BackfillDetail[]> {
  const backfills = await listBackfills(runtime.database.db, limit);
  return Promise.all(backfills.map((backfill) => detail(runtime, backfill)));
}

export interface CanceledBackfill {
  readonly backfill: BackfillDetail;
  /** Runs that were still queued: now CANCELED. */
  readonly canceledRuns: readonly string[];
  /** Runs already executing: asked to cancel (they end CANCELED within seconds). */
  readonly cancelRequestedRuns: readonly string[];
}

/**
 * Cancels the backfill: its queued runs become CANCELED and its executing runs get a cancel
 * request. Canceling a canceled backfill changes nothing; a finished one is a BackfillStateError.
 */
export async function cancelBackfill(runtime: Runtime, id: string): Promise<CanceledBackfill> {
  const current = await getBackfillDetail(runtime, id);
  if (current.status === 'COMPLETED' || current.status === 'FAILED') {
    throw new BackfillStateError(`backfill ${id} is ${current.status}: it has no runs left to cancel`);
  }
  const { db } = runtime.database;
  const at = runtime.clock.now();
  const canceledRuns = await db.transaction().execute(async (trx) => {
    await setBackfillStatus(trx, id, 'CANCELED');
    return cancelQueuedBackfillRuns(trx, id, at);
  });
  const executing = (await backfillRuns(db, id)).filter((run) => run.status === 'STARTING' || run.status === 'STARTED');
  const cancelRequestedRuns: string[] = [];
  for (const run of executing) {
    try {
      await requestCancel(runtime, run.id);
      cancelRequestedRuns.push(run.id);
    } catch (error) {
      // It ended between the read and the request: nothing left to cancel.
      runtime.logger.debug({ err: error, runId: run.id }, 'backfill cancel: run already ended');
    }
  }
  return { backfill: await getBackfillDetail(runtime, id), canceledRuns, cancelRequestedRuns };
}

export interface ReexecutedBackfill {
  readonly backfill: BackfillDetail;
  /** One new run per partition whose latest run failed. */
  readonly runs: readonly Run[];
  /** Failed partitions that can no longer run (see backfill-plan.ts), now recorded as skipped. */
  readonly skipped: readonly SkippedPartition[];
}

/**
 * Queues a new run for every partition whose latest run failed, run key
 * `backfill:<id>:<partition>:retry<n>`. Stored bronze is again not fetched: a failed run that
 * got as far as storing its bronze is rebuilt from it. A canceled backfill is a BackfillStateError.
 */
export async function reexecuteFailedBackfill(runtime: Runtime, id: string): Promise<ReexecutedBackfill> {
  const current = await getBackfillDetail(runtime, id);
  if (current.status === 'CANCELED') throw new BackfillStateError(`backfill ${id} is CANCELED: create a new backfill instead`);
  const { db } = runtime.database;
  const runs = await backfillRuns(db, id);
  const failed = latestRunPerPartition(runs).filter((run) => run.status === 'FAILURE');
  if (failed.length === 0) return { backfill: current, runs: [], skipped: [] };

  const range = resolveBackfillRange(runtime.graph, current.selection, current.partitionFrom, current.partitionTo, runtime.clock.now());
  const failedKeys = failed.filter((run) => run.partitionRange === null).map((run) => run.partitionKey);
  const split = splitByBackfillPolicy(runtime.graph, range.keys);
  const plans = planPartitions(runtime, range, split.perPartitionKeys, failedKeys, await lookUpMaterialized(runtime, range, failedKeys));
  const failedRanges = failed.filter((run) => run.partitionRange !== null);
  const selectedCount = select(runtime.graph, current.selection).length;
  const failedByPartition = new Map(failed.map((run) => [run.partitionKey, run]));
  const skipped = plans.flatMap((plan) => ('skipped' in plan ? [plan.skipped] : []));
  const queued = await db.transaction().execute(async (trx) => {
    const trxRuntime: Runtime = { ...runtime, database: { ...runtime.database, db: trx } };
    await addSkippedPartitions(trx, id, skipped);
    const created: Run[] = [];
    // A failed range run is re-executed from failure as one run again: its steps that succeeded are skipped.
    for (const parent of failedRanges) {
      const retry = Math.max(...runs.filter((run) => runPartitionLabel(run) === runPartitionLabel(parent)).map((run) => retryNumber(run.runKey))) + 1;
      created.push(await reexecute(trxRuntime, parent.id, { fromFailure: true, runKey: `backfill:${id}:${runPartitionLabel(parent)}:retry${retry}` }));
    }
    for (const plan of plans) {
      if ('skipped' in plan) continue;
      const parent = failedByPartition.get(plan.partition);
      if (parent === undefined) continue;
      const retry = Math.max(...runs.filter((run) => run.partitionKey === plan.partition).map((run) => retryNumber(run.runKey))) + 1;
      const input = prepareRun(trxRuntime, {
        selection: plan.keys.length === selectedCount ? current.selection : plan.keys.join(','),
        partitionKey: plan.partition,
        trigger: 'retry',
        tags: { backfill: id, retry_of: parent.id },
        runKey: `backfill:${id}:${plan.partition}:retry${retry}`,
        priority: -1,
      });
      created.push(await createRun(trx, { ...input, parentRunId: parent.id, attempt: parent.attempt + 1, maxRetries: parent.maxRetries }));
    }
    return created;
  });
  announceQueueChanged(runtime.database);
  return { backfill: await getBackfillDetail(runtime, id), runs: queued, skipped };
}

/** Each of `partitionKeys` (time order) planned for the per-partition `keys`. */
function planPartitions(runtime: Runtime, range: BackfillRange, keys: readonly AssetKey[], partitionKeys: readonly string[], isMaterialized: IsMaterialized): PartitionPlan[] {
  if (keys.length === 0) return [];
  return partitionKeys.map((key) => planBackfillPartition(runtime.graph, keys, range.partitions.parse(key), isMaterialized));
}

/** One materializations query covers `partitionKeys` (time order). */
export async function lookUpMaterialized(runtime: Runtime, range: BackfillRange, partitionKeys: readonly string[]): Promise<IsMaterialized> {
  const first = partitionKeys[0];
  const last = partitionKeys.at(-1);
  if (first === undefined || last === undefined) return () => false;
  const stored = await materializedPartitions(runtime.database.db, assetsToLookUp(runtime.graph, range.keys), first, last);
  return (assetKey: AssetKey, partitionKey: string) => stored.get(assetKey)?.has(partitionKey) ?? false;
}

async function detail(runtime: Runtime, backfill: Backfill): Promise<BackfillDetail> {
  let runs = await backfillRuns(runtime.database.db, backfill.id);
  // Also a safety net: a worker that died between its range run's end and the release.
  if ((await releaseDeferredRuns(runtime, backfill.id, runs)).length > 0) runs = await backfillRuns(runtime.database.db, backfill.id);
  const progress = backfillProgress(backfill, runs);
  if (progress.status !== backfill.status) await setBackfillStatus(runtime.database.db, backfill.id, progress.status);
  return { ...backfill, status: progress.status, progress };
}
