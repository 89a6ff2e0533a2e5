/**
 * The second half of a backfill with a range run: its per-partition runs read what the range
 * run lands, so they are queued only once it has succeeded. Called by the worker when a range
 * run ends and by every read of the backfill (a worker that died in between leaves the release
 * to the next read). Idempotent: the backfill row is locked, and nothing is queued once any
 * per-partition run exists (their run keys, `backfill:<id>:<partition>`, dedup as well).
 */
import { select } from '../core/selection.js';
import type { AssetKey } from '../core/types.js';
import type { Runtime } from '../runtime.js';
import { addSkippedPartitions, backfillDb, backfillRuns, type BackfillRun } from '../storage/backfills.js';
import { createRun, type Run } from '../storage/index.js';
import { materializedPartitions } from '../storage/backfills.js';
import { assetsToLookUp, planBackfillPartition, resolveBackfillRange } from './backfill-plan.js';
import { latestRunPerPartition } from './backfill-progress.js';
import { prepareRun } from './execute-run.js';
import { announceQueueChanged } from './queue-signals.js';
import { splitByBackfillPolicy } from './range-run-plan.js';

/** Queues the per-partition runs of `backfillId` if its range run has succeeded and they are not queued yet; returns them. */
export async function releaseDeferredRuns(runtime: Runtime, backfillId: string, known?: readonly BackfillRun[]): Promise<Run[]> {
  const { db } = runtime.database;
  const runs = known ?? (await backfillRuns(db, backfillId));
  // Cheap check first: most reads find nothing to release.
  if (!isReleasable(runs)) return [];
  const queued = await db.transaction().execute(async (trx) => {
    const backfill = await backfillDb(trx).selectFrom('strata.backfills').selectAll().where('id', '=', backfillId).forUpdate().executeTakeFirst();
    const current = await backfillRuns(trx, backfillId);
    if (backfill === undefined || backfill.status === 'CANCELED' || !isReleasable(current)) return [];
    // The range run carries the backfill's run retries (BackfillRequest.maxRetries).
    const maxRetries = Math.min(...current.map((run) => run.maxRetries));
    const range = resolveBackfillRange(runtime.graph, backfill.selection, backfill.partition_from, backfill.partition_to, runtime.clock.now());
    const { perPartitionKeys } = splitByBackfillPolicy(runtime.graph, range.keys);
    if (perPartitionKeys.length === 0) return [];
    const first = range.partitionKeys[0] as string;
    const stored = await materializedPartitions(trx, assetsToLookUp(runtime.graph, range.keys), first, range.partitionKeys.at(-1) as string);
    const isMaterialized = (assetKey: AssetKey, partitionKey: string) => stored.get(assetKey)?.has(partitionKey) ?? false;
    const plans = range.partitionKeys.map((key) => planBackfillPartition(runtime.graph, perPartitionKeys, range.partitions.parse(key), isMaterialized));
    await addSkippedPartitions(trx, backfillId, plans.flatMap((plan) => ('skipped' in plan ? [plan.skipped] : [])));
    const selectedCount = select(runtime.graph, backfill.selection).length;
    const trxRuntime: Runtime = { ...runtime, database: { ...runtime.database, db: trx } };
    const created: Run[] = [];
    for (const [position, plan] of plans.entries()) {
      if ('skipped' in plan) continue;
      const chunkIndex = Math.floor(position / backfill.chunk_size);
      const input = prepareRun(trxRuntime, {
        selection: plan.keys.length === selectedCount ? backfill.selection : plan.keys.join(','),
        partitionKey: plan.partition,
        trigger: 'backfill',
        tags: { backfill: backfillId, backfill_chunk: String(chunkIndex) },
        runKey: `backfill:${backfillId}:${plan.partition}`,
        priority: -1 - chunkIndex,
        maxRetries,
      });
      created.push(await createRun(trx, input));
    }
    return created;
  });
  if (queued.length > 0) announceQueueChanged(runtime.database);
  return queued;
}

/** A range run whose latest attempt succeeded, and no per-partition run yet. */
function isReleasable(runs: readonly BackfillRun[]): boolean {
  if (runs.some((run) => run.partitionRange === null)) return false;
  const ranges = latestRunPerPartition(runs).filter((run) => run.partitionRange !== null);
  return ranges.length > 0 && ranges.every((run) => run.status === 'SUCCESS');
}
