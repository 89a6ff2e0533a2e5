import type { AssetKey } from './types.js';

/** Identifies one step (asset partition) in a run: `silver/x|2026-11-23T06:00Z`, or `silver/x|` unpartitioned. */
export function stepKey(assetKey: AssetKey, partitionKey: string | null | undefined): string {
  return `${assetKey}|${partitionKey ?? ''}`;
}

/** `silver/x [2026-11-23T06:00Z]`, or `silver/x` unpartitioned: how messages name a step. */
export function describeStep(assetKey: AssetKey, partitionKey: string | null | undefined): string {
  return partitionKey == null ? assetKey : `${assetKey} [${partitionKey}]`;
}
