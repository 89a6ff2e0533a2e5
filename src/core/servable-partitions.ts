/**
 * Which partitions a source can still serve, decided before a run is stored:
 * - no asset is materialized for a partition whose window has not started: no source has data
 *   for it yet, and a run queued for it would only fail (or store the present under its key);
 * - an asset that serves only the current partition (`servesPartitions: 'current'`, a source
 *   that returns its present state and no history) is materialized only for the partition that
 *   contains now: fetched for another one, it would store today's data under that key.
 * A step the run skips (re-execution from failure) fetches nothing, so it is not checked.
 */
import type { AnyAsset } from './asset.js';
import type { AssetGraph } from './graph.js';
import type { PlannedStep } from './run-plan.js';
import { stepKey } from './step-key.js';
import type { AssetKey, PartitionWindow } from './types.js';

/** `'any'`: every partition that has started; `'current'`: only the one that contains now. */
export type PartitionsServed = 'any' | 'current';
export const PARTITIONS_SERVED: readonly PartitionsServed[] = ['any', 'current'];

export type UnservablePartition =
  /** The partition's window starts after now. */
  | { readonly reason: 'not_started'; readonly assetKey: AssetKey; readonly partition: PartitionWindow }
  /** A `servesPartitions: 'current'` asset asked for another partition than `current`. */
  | { readonly reason: 'not_current'; readonly assetKey: AssetKey; readonly partition: PartitionWindow; readonly current: string };

/**
 * The first step, in run order, that its asset cannot serve at `now`; undefined when every
 * step can run. `skip` holds the step keys (`stepKey`) the run will not execute.
 */
export function findUnservableStep(
  graph: AssetGraph,
  steps: readonly PlannedStep[],
  now: Date,
  skip: ReadonlySet<string> = new Set(),
): UnservablePartition | undefined {
  const executed = steps.filter((step) => !skip.has(stepKey(step.assetKey, step.partition?.key ?? null)));
  for (const { assetKey, partition } of executed) {
    if (partition !== undefined && partition.start.getTime() > now.getTime()) return { reason: 'not_started', assetKey, partition };
  }
  for (const { assetKey, partition } of executed) {
    const asset = graph.assets.get(assetKey) as AnyAsset | undefined;
    if (partition === undefined || asset?.partitions === undefined || asset.servesPartitions !== 'current') continue;
    const current = asset.partitions.keyFor(now);
    if (partition.key !== current) return { reason: 'not_current', assetKey, partition, current };
  }
  return undefined;
}
