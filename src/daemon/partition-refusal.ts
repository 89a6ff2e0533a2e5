/**
 * Refuses, before anything is stored, a run for a partition its assets cannot serve (the rule is
 * core/servable-partitions.ts), with a message that says why and what to do instead. Checked:
 * manual runs (CLI, API, UI), backfills, `materialize --from/--to` and re-executions. Not checked:
 * schedule ticks and the automatic retry of a lost run, which ask for the window their tick
 * chose; a tick is never in the future, and one evaluated late must still fill its window.
 */
import { PartitionNotServableError } from '../core/errors.js';
import type { AssetGraph } from '../core/graph.js';
import type { PlannedStep } from '../core/run-plan.js';
import { findUnservableStep } from '../core/servable-partitions.js';
import type { PartitionsDefinition } from '../core/types.js';

export interface ServableRequest {
  /** The selection as the user wrote it: the suggested command repeats it. */
  readonly selection: string;
  readonly steps: readonly PlannedStep[];
  /** Step keys the run will skip (re-execution from failure): they fetch nothing. */
  readonly skip?: ReadonlySet<string>;
}

/** Throws PartitionNotServableError (PARTITION_NOT_STARTED or PARTITION_NOT_CURRENT). */
export function assertPartitionServable(graph: AssetGraph, request: ServableRequest, now: Date): void {
  const found = findUnservableStep(graph, request.steps, now, request.skip);
  if (found === undefined) return;
  const { key } = found.partition;
  const partitions = graph.assets.get(found.assetKey)?.partitions as PartitionsDefinition;
  if (found.reason === 'not_started') {
    throw new PartitionNotServableError(
      'PARTITION_NOT_STARTED',
      `partition ${key} has not started yet (it starts at ${found.partition.start.toISOString()}, it is now ${now.toISOString()}): ` +
        `no source has data for it, so ${found.assetKey} cannot be materialized for it. ` +
        `The current ${partitions.kind} partition is ${partitions.keyFor(now)}; run ${key} once it has started.`,
    );
  }
  const onlyCurrent = request.steps.filter((step) => graph.assets.get(step.assetKey)?.servesPartitions === 'current').map((step) => step.assetKey);
  // A range reads stored bronze instead of fetching; with nothing but present-only assets selected it would rebuild nothing, so suggest their downstream.
  const rangeSelection = onlyCurrent.length === request.steps.length ? onlyCurrent.map((assetKey) => `${assetKey}+`).join(',') : request.selection;
  throw new PartitionNotServableError(
    'PARTITION_NOT_CURRENT',
    `${found.assetKey} serves only the current partition (servesPartitions: 'current'): its source returns the present state and no history, ` +
      `so a run for ${key} would store today's data under a past key. The current ${partitions.kind} partition is ${found.current}. ` +
      `To rebuild ${key} from the bronze already stored for it, without fetching, run it as a range: ` +
      `strata materialize '${rangeSelection}' --from ${key} --to ${key} (API: POST /api/v1/backfills); a partition with no stored bronze is skipped with the reason.`,
  );
}

/** A range (backfill, `materialize --from/--to`) must end at a partition that has started. Throws PARTITION_NOT_STARTED naming `to`. */
export function assertRangeStarted(partitions: PartitionsDefinition, to: string, now: Date): void {
  const last = partitions.parse(to);
  if (last.start.getTime() <= now.getTime()) return;
  const current = partitions.keyFor(now);
  const firstFuture = partitions.keyFor(partitions.parse(current).end);
  throw new PartitionNotServableError(
    'PARTITION_NOT_STARTED',
    `to '${to}' reaches into the future: partition ${firstFuture} has not started yet (it starts at ${partitions.parse(firstFuture).start.toISOString()}, ` +
      `it is now ${now.toISOString()}) and no source has data for it. End the range at ${current} at the latest.`,
  );
}
