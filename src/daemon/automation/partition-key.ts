/** One map key per asset partition ('' partition: unpartitioned). */
export type PartitionRef = readonly [assetKey: string, partitionKey: string];

const SEPARATOR = '\u0000';

export function refKey(assetKey: string, partitionKey: string): string {
  return `${assetKey}${SEPARATOR}${partitionKey}`;
}

export function refOf(key: string): PartitionRef {
  const at = key.indexOf(SEPARATOR);
  return [key.slice(0, at), key.slice(at + 1)];
}
