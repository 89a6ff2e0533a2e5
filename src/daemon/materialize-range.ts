/**
 * `strata materialize <selection> --from KEY --to KEY`: one run per partition of the range,
 * executed in this process in partition order; the selection's `backfillPolicy: 'single_run'`
 * assets first get ONE run covering the whole range (range-run-plan.ts). Each partition is planned as a backfill plans it
 * (backfill-plan.ts): stored bronze is raw input and is not fetched again, so silver and gold
 * are rebuilt from the stored bronze files alone; a partition that cannot be rebuilt (its
 * bronze was never stored and the source serves only the current partition) is skipped with the
 * reason. A range that reaches into the future is refused before any run.
 */
import type { RunResult } from '../core/executor.js';
import { rangeLabel, type PartitionRangeKeys } from '../core/partition-range.js';
import { select } from '../core/selection.js';
import type { Runtime } from '../runtime.js';
import { materializedPartitions, type SkippedPartition } from '../storage/backfills.js';
import type { Run } from '../storage/index.js';
import { assetsToLookUp, planBackfillPartition, resolveBackfillRange, type BackfillRange, type IsMaterialized } from './backfill-plan.js';
import { materialize } from './execute-run.js';
import { planRangeRun, splitByBackfillPolicy } from './range-run-plan.js';

export interface MaterializeRangeRequest {
  /** Selection syntax, as for `strata materialize`. */
  readonly selection: string;
  /** First and last partition keys, both included, of one partitions kind. */
  readonly from: string;
  readonly to: string;
}

export type PartitionOutcome =
  /** `range` is set for the range run of single_run assets; `partition` is then its label `first...last`. */
  | { readonly partition: string; readonly run: Run; readonly result: RunResult; readonly range?: PartitionRangeKeys }
  | { readonly partition: string; readonly skipped: SkippedPartition }
  /** The signal was aborted before this partition's run started. */
  | { readonly partition: string; readonly notStarted: true };

export interface RangeHooks {
  /** Called as each partition ends (run finished or skipped), before the next one starts. */
  readonly onPartition?: (outcome: PartitionOutcome) => void;
}

/**
 * Validates the request (InvalidSelectionError, InvalidPartitionKeyError or ValidationError
 * naming `from`, `to` or the selection) before anything runs; this is the range the runs cover.
 */
export function resolveMaterializeRange(runtime: Runtime, request: MaterializeRangeRequest): BackfillRange {
  return resolveBackfillRange(runtime.graph, request.selection.trim(), request.from, request.to, runtime.clock.now());
}

/**
 * Runs every partition of the range, one after the other; a failed run does not stop the
 * others. After an abort the partitions not yet started are reported `notStarted`.
 *
 * @example
 * const outcomes = await materializeRange(runtime, { selection: 'silver/*', from: '2026-11-01T00:00Z', to: '2026-11-01T18:00Z' });
 */
export async function materializeRange(
  runtime: Runtime,
  request: MaterializeRangeRequest,
  signal: AbortSignal = new AbortController().signal,
  hooks: RangeHooks = {},
): Promise<PartitionOutcome[]> {
  const selection = request.selection.trim();
  const range = resolveMaterializeRange(runtime, request);
  const selectedCount = select(runtime.graph, selection).length;
  const split = splitByBackfillPolicy(runtime.graph, range.keys);
  const outcomes: PartitionOutcome[] = [];
  const report = (outcome: PartitionOutcome): void => {
    outcomes.push(outcome);
    hooks.onPartition?.(outcome);
  };
  if (split.rangeKeys.length > 0) {
    const outcome = await materializeRangeRun(await lookUpMaterialized(runtime, range));
    if (outcome !== undefined) report(outcome);
  }
  if (split.perPartitionKeys.length === 0) return outcomes;
  // Looked up after the range run: the per-partition runs read what it landed.
  const isMaterialized = await lookUpMaterialized(runtime, range);
  for (const partition of range.partitionKeys) report(await materializePartition(partition));
  return outcomes;

  async function materializeRangeRun(stored: IsMaterialized): Promise<PartitionOutcome | undefined> {
    const plan = planRangeRun(runtime.graph, range, split.rangeKeys, stored);
    const partition = rangeLabel(plan.range);
    if ('stored' in plan) return undefined;
    if (signal.aborted) return { partition, notStarted: true };
    if ('skipped' in plan) return { partition, skipped: plan.skipped };
    const runSelection = plan.keys.length === selectedCount ? selection : plan.keys.join(',');
    const { run, result } = await materialize(runtime, { selection: runSelection, partitionRange: plan.range }, signal);
    return { partition, run, result, range: plan.range };
  }

  async function materializePartition(partition: string): Promise<PartitionOutcome> {
    if (signal.aborted) return { partition, notStarted: true };
    const plan = planBackfillPartition(runtime.graph, split.perPartitionKeys, range.partitions.parse(partition), isMaterialized);
    if ('skipped' in plan) return { partition, skipped: plan.skipped };
    const runSelection = plan.keys.length === selectedCount ? selection : plan.keys.join(',');
    const { run, result } = await materialize(runtime, { selection: runSelection, partitionKey: partition }, signal);
    return { partition, run, result };
  }
}

/** One materializations query covers the whole range (a run stores only its own partition). */
async function lookUpMaterialized(runtime: Runtime, range: BackfillRange): Promise<IsMaterialized> {
  const first = range.partitionKeys[0] ?? '';
  const last = range.partitionKeys.at(-1) ?? '';
  const stored = await materializedPartitions(runtime.database.db, assetsToLookUp(runtime.graph, range.keys), first, last);
  return (assetKey, partitionKey) => stored.get(assetKey)?.has(partitionKey) ?? false;
}
