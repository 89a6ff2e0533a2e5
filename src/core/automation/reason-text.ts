/** The words reasons are written in: times to the second in UTC, runs by their first eight characters. */
import type { AssetKey } from '../types.js';

export function timeText(at: Date): string {
  return at.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

export function runText(runId: string | null): string {
  return runId === null ? 'run purged' : `run ${runId.slice(0, 8)}`;
}

/** `silver/x`, with the partition key when it is not the partition being evaluated. */
export function partitionText(assetKey: AssetKey, partitionKey: string, ownKey: string): string {
  return partitionKey === '' || partitionKey === ownKey ? assetKey : `${assetKey} ${partitionKey}`;
}
