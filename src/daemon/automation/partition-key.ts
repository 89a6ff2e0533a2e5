/** One asset partition ('' partition: unpartitioned). */
export type PartitionRef = readonly [assetKey: string, partitionKey: string];
