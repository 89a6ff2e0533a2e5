import type { AnyAsset } from './asset.js';
import type { AssetGraph } from './graph.js';
import type { AssetKey } from './types.js';

/**
 * A run has one partition key, so a selection that spans partition kinds (`*` holds six-hourly
 * and daily assets) runs only the assets that key fits: `*` with `2026-11-23T06:00Z` leaves the
 * daily marts out. Unpartitioned assets always stay. When the key fits no selected asset the
 * keys are returned unchanged, so planRun reports the key as invalid.
 */
export function assetsForPartitionKey(graph: AssetGraph, keys: readonly AssetKey[], partitionKey: string | undefined): AssetKey[] {
  if (partitionKey === undefined) return [...keys];
  const fits = (key: AssetKey): boolean => {
    const partitions = (graph.assets.get(key) as AnyAsset | undefined)?.partitions;
    if (partitions === undefined) return true;
    try {
      partitions.parse(partitionKey);
      return true;
    } catch {
      return false;
    }
  };
  const kept = keys.filter(fits);
  const anyPartitionedKept = kept.some((key) => graph.assets.get(key)?.partitions !== undefined);
  return anyPartitionedKept ? kept : [...keys];
}
