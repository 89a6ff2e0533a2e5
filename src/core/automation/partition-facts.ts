/**
 * What the evaluation of one asset partition's condition knows: the partition's own state,
 * the state of each upstream partition it reads (through the partition mappings), and now.
 * The daemon builds these from its folded state (src/daemon/automation/); tests build them by
 * hand. Partition keys are '' for an unpartitioned asset.
 */
import type { AssetKey } from '../types.js';

/** The folded history of one asset partition, as automation needs it. */
export interface PartitionState {
  readonly materializedAt: Date | null;
  readonly materializedRun: string | null;
  /** The latest failed attempt (a step failure with no retry left). */
  readonly failedAt: Date | null;
  readonly failedRun: string | null;
  /** When automation last requested a run of this partition. */
  readonly requestedAt: Date | null;
  readonly requestedRun: string | null;
  /** A queued or running run that materializes this partition. */
  readonly inProgressRun: string | null;
}

export const EMPTY_PARTITION_STATE: PartitionState = Object.freeze({
  materializedAt: null,
  materializedRun: null,
  failedAt: null,
  failedRun: null,
  requestedAt: null,
  requestedRun: null,
  inProgressRun: null,
});

export interface UpstreamPartition {
  readonly assetKey: AssetKey;
  readonly partitionKey: string;
  readonly state: PartitionState;
  /** A `many(..., { allowMissing: true })` dependency: a never-materialized partition does not block. */
  readonly allowMissing: boolean;
  /**
   * Requested by this same evaluation: `same_run` when it runs in the run this partition would
   * join (same partition key, so the executor orders the steps), `other_run` otherwise.
   */
  readonly requestedNow?: 'same_run' | 'other_run';
}

export interface PartitionFacts {
  readonly assetKey: AssetKey;
  readonly partitionKey: string;
  readonly own: PartitionState;
  readonly upstream: readonly UpstreamPartition[];
  /** False for an asset with no dependencies (eager() is never true for it). */
  readonly hasDeps: boolean;
  readonly now: Date;
  /** The key of this asset's partition that contains `time` ('' when unpartitioned). */
  partitionAt(time: Date): string;
}

/** The latest attempt failed: a failure newer than the last materialization. */
export function hasFailed(state: PartitionState): boolean {
  return state.failedAt !== null && (state.materializedAt === null || state.failedAt.getTime() > state.materializedAt.getTime());
}
