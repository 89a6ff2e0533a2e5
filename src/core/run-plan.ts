import type { AnyAsset } from './asset.js';
import { InvalidPartitionKeyError, InvalidSelectionError } from './errors.js';
import type { AssetGraph } from './graph.js';
import { type PartitionRangeKeys, planRangeStep } from './partition-range.js';
import type { AssetKey, PartitionRange, PartitionWindow } from './types.js';

/** One asset partition to materialize; `partition` is undefined for unpartitioned assets. */
export interface PlannedStep {
  readonly assetKey: AssetKey;
  /** For a range step, the range's last window (see partition-range.ts). */
  readonly partition: PartitionWindow | undefined;
  /** Set when one step covers a range of partitions (a `backfillPolicy: 'single_run'` asset). */
  readonly range?: PartitionRange;
}

/**
 * The steps of a run of `keys` for `partitionKey`, in topological order. Unpartitioned assets
 * get no partition; a partitioned asset needs a key of its own kind. With `range`, each
 * partitioned asset (which must be single_run) gets one step covering the range, and
 * `partitionKey` is ignored (a range run stores its last key there).
 */
export function planRun(
  graph: AssetGraph,
  keys: readonly AssetKey[],
  partitionKey: string | undefined,
  range?: PartitionRangeKeys | null,
): PlannedStep[] {
  if (keys.length === 0) throw new InvalidSelectionError('a run needs at least one asset');
  const wanted = new Set(keys);
  for (const key of wanted) {
    if (!graph.assets.has(key)) throw new InvalidSelectionError(`unknown asset '${key}' in run`);
  }
  const ordered = graph.order.filter((key) => wanted.has(key));
  if (range) return ordered.map((assetKey) => planRangeStep(graph.assets.get(assetKey) as AnyAsset, range));
  return ordered.map((assetKey) => Object.freeze({ assetKey, partition: resolvePartition(graph.assets.get(assetKey) as AnyAsset, partitionKey) }));
}

export function resolvePartition(asset: AnyAsset, partitionKey: string | undefined): PartitionWindow | undefined {
  if (!asset.partitions) return undefined;
  if (partitionKey === undefined) {
    throw new InvalidPartitionKeyError(`asset '${asset.key}' is ${asset.partitions.kind} partitioned: a run of it needs a partition key`);
  }
  try {
    return asset.partitions.parse(partitionKey);
  } catch (error) {
    if (!(error instanceof InvalidPartitionKeyError)) throw error;
    throw new InvalidPartitionKeyError(`asset '${asset.key}': ${error.message}`);
  }
}
