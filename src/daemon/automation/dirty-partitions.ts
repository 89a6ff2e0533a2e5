/**
 * Which automated asset partitions one evaluation looks at. A condition's result depends only
 * on its own partition's state, its upstream partitions' state and the clock, so only these
 * can have changed since the last evaluation:
 * - the partition itself and the downstream partitions that read it (through the partition
 *   mappings) when it materialized, failed, or a run of it queued or ended: this is how an old
 *   partition re-materialized upstream (a backfill of silver) brings its gold partitions along;
 * - the latest partition (the one that contains now) of an asset whose condition is new or
 *   changed, or whose latest partition moved on (a new window started);
 * - for `on_cron`, the partition that contains a tick that passed since the last evaluation.
 * Nothing else: old partitions are never swept, so enabling eager() on an asset with years of
 * history evaluates its latest partition and whatever changes from then on (Dagster likewise
 * limits its automation to the latest time window, but it would not follow a backfill).
 */
import type { AnyAsset } from '../../core/asset.js';
import { operandsOf } from '../../core/automation/condition.js';
import { downstreamPartitionsOf } from '../../core/automation/partition-relations.js';
import type { AutomatedAssetRow, AutomationChange } from '../../storage/automation-state.js';
import { partitionAt, type AutomationScope } from './automated-assets.js';


export interface DirtyInputs {
  readonly scope: AutomationScope;
  readonly changes: readonly AutomationChange[];
  readonly runAssets: ReadonlyMap<string, readonly string[]>;
  readonly stored: ReadonlyMap<string, AutomatedAssetRow>;
  readonly lastEvaluatedAt: Date | null;
  readonly now: Date;
}

export function dirtyPartitions(inputs: DirtyInputs): Map<string, Set<string>> {
  const { scope, now } = inputs;
  const dirty = new Map<string, Set<string>>();
  const add = (assetKey: string, partitionKey: string): void => {
    let set = dirty.get(assetKey);
    if (set === undefined) dirty.set(assetKey, (set = new Set()));
    set.add(partitionKey);
  };
  const affected = (asset: AnyAsset, partitionKey: string): void => {
    if (scope.automated.has(asset.key)) add(asset.key, partitionKey);
    for (const downstream of scope.automatedDownstream.get(asset.key) ?? []) {
      for (const key of safely(() => downstreamPartitionsOf(downstream.asset, asset, partitionKey, now))) add(downstream.asset.key, key);
    }
  };
  for (const change of inputs.changes) {
    if (change.assetKey !== null) {
      const asset = scope.graph.assets.get(change.assetKey);
      if (asset !== undefined) affected(asset, change.partitionKey);
      continue;
    }
    for (const assetKey of inputs.runAssets.get(change.runId) ?? []) {
      const asset = scope.graph.assets.get(assetKey);
      if (asset !== undefined) affected(asset, asset.partitions === undefined ? '' : change.partitionKey);
    }
  }
  for (const entry of scope.automated.values()) {
    const stored = inputs.stored.get(entry.asset.key);
    if (stored === undefined || stored.condition !== entry.condition.label || stored.latestPartition !== entry.latestPartition) {
      add(entry.asset.key, entry.latestPartition);
    }
    for (const operand of operandsOf(entry.condition)) {
      if (operand.kind !== 'on_cron') continue;
      const tick = operand.times.latestAtOrBefore(now);
      if (inputs.lastEvaluatedAt === null || tick.getTime() > inputs.lastEvaluatedAt.getTime()) add(entry.asset.key, partitionAt(entry.asset, tick));
    }
  }
  return dirty;
}

/** A partition key the mapping cannot place (a run of another partition kind) relates to nothing. */
function safely(find: () => string[]): string[] {
  try {
    return find();
  } catch {
    return [];
  }
}
