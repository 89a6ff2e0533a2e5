import type { AnyAsset } from './asset.js';
import { InvalidPartitionKeyError, InvalidSelectionError } from './errors.js';
import type { AssetGraph } from './graph.js';
import type { AssetKey, PartitionWindow } from './types.js';

/** One asset partition to materialize; `partition` is undefined for unpartitioned assets. */
export interface PlannedStep {
  readonly assetKey: AssetKey;
  readonly partition: PartitionWindow | undefined;
}

/**
 * The steps of a run of `keys` for `partitionKey`, in topological order. Unpartitioned assets
 * get no partition; a partitioned asset needs a key of its own kind.
 */
export function planRun(graph: AssetGraph, keys: readonly AssetKey[], partitionKey: string | undefined): PlannedStep[] {
  if (keys.length === 0) throw new InvalidSelectionError('a run needs at least one asset');
  const wanted = new Set(keys);
  for (const key of wanted) {
    if (!graph.assets.has(key)) throw new InvalidSelectionError(`unknown asset '${key}' in run`);
  }
  return graph.order
    .filter((key) => wanted.has(key))
    .map((assetKey) => Object.freeze({ assetKey, partition: resolvePartition(graph.assets.get(assetKey) as AnyAsset, partitionKey) }));
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
