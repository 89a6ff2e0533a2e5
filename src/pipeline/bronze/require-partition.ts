import type { AssetContext, PartitionWindow } from '../../index.js';

/** Pipeline assets are all partitioned; the planner guarantees a partition, this says so to the types. */
export function requirePartition(ctx: AssetContext<unknown>): PartitionWindow {
  if (ctx.partition === undefined) throw new Error(`${ctx.assetKey} needs a partition`);
  return ctx.partition;
}
