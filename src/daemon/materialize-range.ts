/**
 * `strata materialize <selection> --from KEY --to KEY`: one run per partition of the range,
 * executed in this process in partition order. Each partition is planned as a backfill plans it
 * (backfill-plan.ts): stored bronze is raw input and is not fetched again, so silver and gold
 * are rebuilt from the stored bronze files alone; a partition that cannot be rebuilt (its
 * bronze was never stored and the source serves only the current partition) is skipped with the
 * reason. A range that reaches into the future is refused before any run.
 */
import type { RunResult } from '../core/executor.js';
import { select } from '../core/selection.js';
import type { Runtime } from '../runtime.js';
import { materializedPartitions, type SkippedPartition } from '../storage/backfills.js';
import type { Run } from '../storage/index.js';
import { assetsToLookUp, planBackfillPartition, resolveBackfillRange, type BackfillRange, type IsMaterialized } from './backfill-plan.js';
import { materialize } from './execute-run.js';

export interface MaterializeRangeRequest {
  /** Selection syntax, as for `strata materialize`. */
  readonly selection: string;
  /** First and last partition keys, both included, of one partitions kind. */
  readonly from: string;
  readonly to: string;
}

export type PartitionOutcome =
  | { readonly partition: string; readonly run: Run; readonly result: RunResult }
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
  const isMaterialized = await lookUpMaterialized(runtime, range);
  const outcomes: PartitionOutcome[] = [];
  for (const partition of range.partitionKeys) {
    const outcome = await materializePartition(partition);
    outcomes.push(outcome);
    hooks.onPartition?.(outcome);
  }
  return outcomes;

  async function materializePartition(partition: string): Promise<PartitionOutcome> {
    if (signal.aborted) return { partition, notStarted: true };
    const plan = planBackfillPartition(runtime.graph, range.keys, range.partitions.parse(partition), isMaterialized);
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
