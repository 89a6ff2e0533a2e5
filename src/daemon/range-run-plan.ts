/**
 * How a range materialize or backfill splits its selection by backfill policy (Dagster's
 * single-run backfill): the `single_run` assets go in ONE range run covering the whole range;
 * every other asset keeps one run per partition, and those runs come after the range run (a
 * per-partition run reads what the range run landed). A per-partition asset upstream of a
 * single_run one would have to land every partition before the range run starts; that order is
 * refused instead, naming the pair, so the user runs the two parts as two ranges.
 */
import type { AnyAsset } from '../core/asset.js';
import { ValidationError } from '../core/errors.js';
import type { AssetGraph } from '../core/graph.js';
import { rangeLabel, type PartitionRangeKeys } from '../core/partition-range.js';
import { planInputs } from '../core/step-inputs.js';
import type { AssetKey } from '../core/types.js';
import type { SkippedPartition } from '../storage/backfills.js';
import type { BackfillRange, IsMaterialized } from './backfill-plan.js';

export interface PolicySplit {
  /** single_run assets, and the unpartitioned assets they read, in topological order. */
  readonly rangeKeys: readonly AssetKey[];
  /** Everything else: one run per partition, after the range run. */
  readonly perPartitionKeys: readonly AssetKey[];
}

/** Splits `keys` (topological order); throws ValidationError for a per-partition asset upstream of a single_run one. */
export function splitByBackfillPolicy(graph: AssetGraph, keys: readonly AssetKey[]): PolicySplit {
  const single = keys.filter((key) => asset(graph, key).backfillPolicy === 'single_run');
  if (single.length === 0) return { rangeKeys: [], perPartitionKeys: keys };
  const feedsRange = ancestorsWithin(graph, single, new Set(keys));
  for (const key of keys) {
    if (!feedsRange.has(key) || single.includes(key) || asset(graph, key).partitions === undefined) continue;
    const reader = single.find((target) => ancestorsWithin(graph, [target], new Set(keys)).has(key)) as AssetKey;
    throw new ValidationError(
      `${key} runs one partition per run but single_run ${reader} reads it: its partitions would have to land before the range run starts. ` +
        `Run the range in two steps: first '${key}' (and what it needs), then '${reader}+'`,
    );
  }
  const inRange = new Set([...single, ...[...feedsRange].filter((key) => asset(graph, key).partitions === undefined)]);
  return { rangeKeys: keys.filter((key) => inRange.has(key)), perPartitionKeys: keys.filter((key) => !inRange.has(key)) };
}

export type RangeRunPlan =
  | { readonly range: PartitionRangeKeys; readonly keys: readonly AssetKey[] }
  | { readonly range: PartitionRangeKeys; readonly skipped: SkippedPartition }
  /** Nothing to run: every selected single_run asset is bronze already stored for the whole range. */
  | { readonly range: PartitionRangeKeys; readonly stored: true };

/**
 * The range run, planned as a backfill plans a partition (backfill-plan.ts): a bronze asset
 * stored for EVERY partition of the range is raw input and is not run again (one stored for
 * only some is run: a single_run source fetches only what is missing); an asset whose upstream
 * partition is neither stored nor in the run makes the whole range skipped with the reason.
 */
export function planRangeRun(graph: AssetGraph, range: BackfillRange, rangeKeys: readonly AssetKey[], isMaterialized: IsMaterialized): RangeRunPlan {
  const keys = { first: range.partitionKeys[0] as string, last: range.partitionKeys.at(-1) as string };
  const label = rangeLabel(keys);
  const allStored = (key: AssetKey) => range.partitionKeys.every((partition) => isMaterialized(key, partition));
  const remaining = rangeKeys.filter((key) => !(asset(graph, key).layer === 'bronze' && asset(graph, key).partitions !== undefined && allStored(key)));
  if (!remaining.some((key) => asset(graph, key).partitions !== undefined)) return { range: keys, stored: true };
  const inRun = new Set(remaining);
  for (const key of remaining) {
    const definition = asset(graph, key);
    const windows = definition.partitions ? range.partitionKeys.map((partition) => range.partitions.parse(partition)) : [undefined];
    for (const window of windows) {
      for (const plan of planInputs(definition, window)) {
        const missing = plan.sources.filter((source) => !inRun.has(source.upstream.key) && !isMaterialized(source.upstream.key, source.partition ?? ''));
        if (missing.length === 0 || (plan.allowMissing && missing.length < plan.sources.length)) continue;
        const first = missing[0] as (typeof missing)[number];
        const reason = `${key} needs ${first.upstream.key} [${first.partition ?? 'unpartitioned'}], which is not materialized and not in the selection`;
        return { range: keys, skipped: { partition: label, reason } };
      }
    }
  }
  return { range: keys, keys: remaining };
}

/** Every asset among `within` that `targets` read, directly or not. */
function ancestorsWithin(graph: AssetGraph, targets: readonly AssetKey[], within: ReadonlySet<AssetKey>): Set<AssetKey> {
  const found = new Set<AssetKey>();
  const stack = [...targets];
  while (stack.length > 0) {
    const key = stack.pop() as AssetKey;
    for (const upstream of graph.upstream.get(key) ?? []) {
      if (found.has(upstream)) continue;
      found.add(upstream);
      stack.push(upstream);
    }
  }
  return new Set([...found].filter((key) => within.has(key)));
}

function asset(graph: AssetGraph, key: AssetKey): AnyAsset {
  return graph.assets.get(key) as AnyAsset;
}
