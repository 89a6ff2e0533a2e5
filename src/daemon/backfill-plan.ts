/**
 * What a backfill runs for each partition, decided before any run is queued:
 * - bronze is raw input kept as received: a bronze partition already stored is not fetched
 *   again, so silver and gold are rebuilt from the stored files without calling the source;
 * - an asset that serves only the current partition (`servesPartitions: 'current'`) is never
 *   fetched by a range: a partition that lacks it gets no run and is recorded as skipped (even
 *   the current one: the run may be claimed after the window has moved on);
 * - a range that ends in a partition that has not started is refused (PARTITION_NOT_STARTED);
 * - an asset whose upstream partition is neither stored nor in the run would fail on a missing
 *   input: the partition is skipped with that reason instead of queuing a run bound to fail.
 */
import type { AnyAsset } from '../core/asset.js';
import { InvalidPartitionKeyError, ValidationError } from '../core/errors.js';
import type { AssetGraph } from '../core/graph.js';
import { select } from '../core/selection.js';
import { planInputs } from '../core/step-inputs.js';
import type { AssetKey, PartitionWindow, PartitionsDefinition } from '../core/types.js';
import type { SkippedPartition } from '../storage/backfills.js';
import { assertRangeStarted } from './partition-refusal.js';

export interface BackfillRange {
  /** The selected assets that the range's partition kind fits, in topological order. */
  readonly keys: readonly AssetKey[];
  readonly partitions: PartitionsDefinition;
  readonly partitionKeys: readonly string[];
}

/**
 * Validates selection, `from` and `to`; every message names the field that was wrong. A `to`
 * whose partition starts after `now` is refused.
 */
export function resolveBackfillRange(graph: AssetGraph, selection: string, from: string, to: string, now: Date): BackfillRange {
  const selected = select(graph, selection);
  const kinds = [...new Set(selected.map((key) => asset(graph, key).partitions).filter((p): p is PartitionsDefinition => p !== undefined))];
  if (kinds.length === 0) {
    throw new ValidationError(`selection '${selection}' has no partitioned asset: a backfill runs over partitions (selected: ${selected.join(', ')})`);
  }
  const partitions = kinds.find((kind) => parses(kind, from));
  if (partitions === undefined) {
    const expected = kinds.map((kind) => describeParseError(kind, from)).join('; or ');
    throw new InvalidPartitionKeyError(`from '${from}' is not a partition key of selection '${selection}': ${expected}`);
  }
  if (!parses(partitions, to)) {
    throw new InvalidPartitionKeyError(`to '${to}' must be a ${partitions.kind} key like from '${from}': ${describeParseError(partitions, to)}`);
  }
  let partitionKeys: string[];
  try {
    partitionKeys = partitions.keysBetween(from, to);
  } catch (error) {
    if (error instanceof InvalidPartitionKeyError) throw new InvalidPartitionKeyError(`from/to: ${error.message}`);
    throw error;
  }
  assertRangeStarted(partitions, to, now);
  const keys = selected.filter((key) => {
    const own = asset(graph, key).partitions;
    return own === undefined || own.kind === partitions.kind;
  });
  return { keys, partitions, partitionKeys };
}

export type PartitionPlan =
  | { readonly partition: string; readonly keys: readonly AssetKey[] }
  | { readonly partition: string; readonly skipped: SkippedPartition };

/** `isMaterialized(assetKey, partitionKey)` answers from a lookup loaded once for the whole range. */
export type IsMaterialized = (assetKey: AssetKey, partitionKey: string) => boolean;

export function planBackfillPartition(graph: AssetGraph, keys: readonly AssetKey[], window: PartitionWindow, isMaterialized: IsMaterialized): PartitionPlan {
  const partition = window.key;
  const skip = (reason: string): PartitionPlan => ({ partition, skipped: { partition, reason } });
  const stored = (key: AssetKey) => isMaterialized(key, partition);
  const remaining: AssetKey[] = [];
  for (const key of keys) {
    const definition = asset(graph, key);
    const presentOnly = definition.servesPartitions === 'current';
    if ((definition.layer === 'bronze' || presentOnly) && stored(key)) continue;
    if (presentOnly) {
      return skip(`${key} [${partition}] was never materialized and its source serves only the current partition (servesPartitions: 'current')`);
    }
    remaining.push(key);
  }
  if (remaining.length === 0) return skip(`every selected asset is already stored for ${partition} and is raw input (bronze): nothing to rebuild`);
  const inRun = new Set(remaining);
  for (const key of remaining) {
    const definition = asset(graph, key);
    for (const plan of planInputs(definition, definition.partitions ? window : undefined)) {
      const available = (source: (typeof plan.sources)[number]) => inRun.has(source.upstream.key) || isMaterialized(source.upstream.key, source.partition ?? '');
      if (plan.allowMissing) {
        const first = plan.sources[0];
        if (first !== undefined && !plan.sources.some(available)) {
          return skip(`${key} needs at least one partition of ${first.upstream.key} (${plan.sources.map((s) => s.partition).join(', ')}); none is materialized or in the selection`);
        }
        continue;
      }
      for (const source of plan.sources) {
        if (inRun.has(source.upstream.key)) continue;
        if (!isMaterialized(source.upstream.key, source.partition ?? '')) {
          return skip(`${key} needs ${source.upstream.key} [${source.partition ?? 'unpartitioned'}], which is not materialized and not in the selection`);
        }
      }
    }
  }
  return { partition, keys: remaining };
}

/** Every asset whose materializations the plan may ask about: the keys and their upstreams. */
export function assetsToLookUp(graph: AssetGraph, keys: readonly AssetKey[]): AssetKey[] {
  const all = new Set(keys);
  for (const key of keys) for (const upstream of graph.upstream.get(key) ?? []) all.add(upstream);
  return [...all];
}

function asset(graph: AssetGraph, key: AssetKey): AnyAsset {
  return graph.assets.get(key) as AnyAsset;
}

function parses(partitions: PartitionsDefinition, key: string): boolean {
  try {
    partitions.parse(key);
    return true;
  } catch {
    return false;
  }
}

function describeParseError(partitions: PartitionsDefinition, key: string): string {
  try {
    partitions.parse(key);
    return 'valid';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
