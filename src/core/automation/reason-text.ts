/** The words reasons are written in: times to the second in UTC, runs by their first eight characters. */
import type { AssetKey } from '../types.js';

/**
 * Remembered by time: one evaluation writes the same few times (an upstream's materialization)
 * into tens of thousands of reasons. Bounded; cleared when full.
 */
const timeTexts = new Map<number, string>();
const MAX_TIME_TEXTS = 10_000;

export function timeText(at: Date): string {
  const ms = at.getTime();
  let text = timeTexts.get(ms);
  if (text === undefined) {
    if (timeTexts.size >= MAX_TIME_TEXTS) timeTexts.clear();
    text = at.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
    timeTexts.set(ms, text);
  }
  return text;
}

export function runText(runId: string | null): string {
  return runId === null ? 'run purged' : `run ${runId.slice(0, 8)}`;
}

/** `silver/x`, with the partition key when it is not the partition being evaluated. */
export function partitionText(assetKey: AssetKey, partitionKey: string, ownKey: string): string {
  return partitionKey === '' || partitionKey === ownKey ? assetKey : `${assetKey} ${partitionKey}`;
}
