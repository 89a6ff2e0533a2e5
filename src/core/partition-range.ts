/**
 * Partition ranges: one step of a `backfillPolicy: 'single_run'` asset covering several
 * consecutive partitions (Dagster's single-run backfill). Such a step is planned with
 * `partition` = the range's LAST window (what asset code that ignores ranges would write, and
 * what its inputs are loaded for) and `range` = every window it covers. Its step events carry
 * the range label `first...last`; it emits one `asset:materialized` per covered key, so the
 * catalog, freshness, automation and downstream inputs see each partition materialized.
 */
import type { AnyAsset } from './asset.js';
import { InvalidPartitionKeyError, InvalidSelectionError } from './errors.js';
import type { PlannedStep } from './run-plan.js';
import { stepKey } from './step-key.js';
import type { PartitionRange, PartitionsDefinition } from './types.js';

/** A range as stored on a run: its first and last keys. */
export interface PartitionRangeKeys {
  readonly first: string;
  readonly last: string;
}

/** Separates the ends in a range label; never part of a partition key. */
export const RANGE_SEPARATOR = '...';

/** `2026-01-01...2026-01-30`: how step events, step keys and messages name a range. */
export function rangeLabel(range: PartitionRangeKeys): string {
  return `${range.first}${RANGE_SEPARATOR}${range.last}`;
}

/** The range `first`..`last` of `partitions`; throws InvalidPartitionKeyError naming the asset. */
export function resolveRange(asset: AnyAsset, partitions: PartitionsDefinition, range: PartitionRangeKeys): PartitionRange {
  try {
    const keys = partitions.keysBetween(range.first, range.last);
    return Object.freeze({ keys: Object.freeze(keys), first: partitions.parse(range.first), last: partitions.parse(range.last) });
  } catch (error) {
    if (!(error instanceof InvalidPartitionKeyError)) throw error;
    throw new InvalidPartitionKeyError(`asset '${asset.key}': range ${rangeLabel(range)}: ${error.message}`);
  }
}

/** The range step of `asset`, which must be a partitioned single_run asset. */
export function planRangeStep(asset: AnyAsset, range: PartitionRangeKeys): PlannedStep {
  if (!asset.partitions) return Object.freeze({ assetKey: asset.key, partition: undefined });
  if (asset.backfillPolicy !== 'single_run') {
    throw new InvalidSelectionError(
      `asset '${asset.key}' runs one partition per run (backfillPolicy 'multi_run'): a run over range ${rangeLabel(range)} may hold only single_run and unpartitioned assets`,
    );
  }
  const resolved = resolveRange(asset, asset.partitions, range);
  return Object.freeze({ assetKey: asset.key, partition: resolved.last, range: resolved });
}

/** What a step's events name as its partition: the range label, the key, or null. */
export function stepPartitionLabel(step: PlannedStep): string | null {
  if (step.range !== undefined) return rangeLabel({ first: step.range.first.key, last: step.range.last.key });
  return step.partition?.key ?? null;
}

/** The step's own key (skip lists, events): by its partition label. */
export function plannedStepKey(step: PlannedStep): string {
  return stepKey(step.assetKey, stepPartitionLabel(step));
}

/** Every step key a downstream step in the same run may look this step up by: each covered partition. */
export function coveredStepKeys(step: PlannedStep): string[] {
  if (step.range === undefined) return [plannedStepKey(step)];
  return [plannedStepKey(step), ...step.range.keys.map((key) => stepKey(step.assetKey, key))];
}

/** The partition keys a step's materialization stands for: each covered key, or its own. */
export function materializedKeys(step: PlannedStep): (string | null)[] {
  return step.range === undefined ? [step.partition?.key ?? null] : [...step.range.keys];
}
