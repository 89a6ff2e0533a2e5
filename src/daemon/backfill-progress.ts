/**
 * A backfill's progress and status, derived from its runs (never counted separately, so they
 * cannot disagree). A partition's outcome is its latest run: the highest attempt (a retry by
 * re-execute-failed or by the run monitor is its parent's attempt + 1), then the newest.
 */
import { rangeLabel } from '../core/partition-range.js';
import { partitionsByKind } from '../core/partitions.js';
import type { RunStatus } from '../core/types.js';
import { RUN_STATUSES } from '../storage/run-status.js';
import type { Backfill, BackfillRun, BackfillStatus } from '../storage/backfills.js';

export interface PartitionCounts {
  /** Partitions in the range, whether they got a run or not. */
  readonly total: number;
  readonly skipped: number;
  /** Latest run QUEUED, STARTING or STARTED. */
  readonly pending: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly canceled: number;
}

export interface BackfillProgress {
  readonly status: BackfillStatus;
  /** Every run of the backfill (retries included) by status. */
  readonly runs: Readonly<Record<RunStatus, number>>;
  readonly partitions: PartitionCounts;
  /** The latest run of each partition that has one, in partition order. */
  readonly latestRuns: readonly BackfillRun[];
}

const PENDING: readonly RunStatus[] = ['QUEUED', 'STARTING', 'STARTED'];

/** `backfill:<id>:<partition>` is attempt 0; `…:retry<n>` is attempt n. */
export function retryNumber(runKey: string | null): number {
  const match = runKey === null ? null : /:retry(\d+)$/.exec(runKey);
  return match ? Number(match[1]) : 0;
}

/** What a run is the latest of: its partition, or for a range run its label `first...last`. */
export function runPartitionLabel(run: BackfillRun): string {
  return run.partitionRange === null ? run.partitionKey : rangeLabel(run.partitionRange);
}

/** The latest run of each partition, and of each range (a range run is its own group). */
export function latestRunPerPartition(runs: readonly BackfillRun[]): BackfillRun[] {
  const latest = new Map<string, BackfillRun>();
  const later = (a: BackfillRun, b: BackfillRun) => a.attempt > b.attempt || (a.attempt === b.attempt && a.createdAt > b.createdAt);
  for (const run of runs) {
    const current = latest.get(runPartitionLabel(run));
    if (current === undefined || later(run, current)) latest.set(runPartitionLabel(run), run);
  }
  return [...latest.values()].sort((a, b) => (a.partitionKey < b.partitionKey ? -1 : a.partitionKey > b.partitionKey ? 1 : 0));
}

/**
 * Each partition's state from the latest runs that cover it: its own run and the range run
 * over it, if any. Pending if one is pending, else failed if one failed, else canceled if one
 * was, else succeeded; a partition no run covers is not counted (skipped, or not queued yet).
 */
function partitionStates(backfill: Backfill, latestRuns: readonly BackfillRun[]): Map<string, RunStatus[]> {
  const statuses = new Map<string, RunStatus[]>();
  const partitions = partitionsByKind(backfill.partitionsKind);
  for (const run of latestRuns) {
    const keys = run.partitionRange === null ? [run.partitionKey] : partitions.keysBetween(run.partitionRange.first, run.partitionRange.last);
    for (const key of keys) statuses.set(key, [...(statuses.get(key) ?? []), run.status]);
  }
  return statuses;
}

function partitionState(statuses: readonly RunStatus[]): 'pending' | 'failed' | 'canceled' | 'succeeded' {
  if (statuses.some((status) => PENDING.includes(status))) return 'pending';
  if (statuses.includes('FAILURE')) return 'failed';
  if (statuses.includes('CANCELED')) return 'canceled';
  return 'succeeded';
}

export function backfillProgress(backfill: Backfill, runs: readonly BackfillRun[]): BackfillProgress {
  const byStatus = Object.fromEntries(RUN_STATUSES.map((status) => [status, 0])) as Record<RunStatus, number>;
  for (const run of runs) byStatus[run.status] += 1;
  const latestRuns = latestRunPerPartition(runs);
  const states = [...partitionStates(backfill, latestRuns).values()].map(partitionState);
  const count = (state: ReturnType<typeof partitionState>) => states.filter((each) => each === state).length;
  const partitions: PartitionCounts = {
    total: backfill.partitionsTotal,
    skipped: backfill.skipped.length,
    pending: count('pending'),
    succeeded: count('succeeded'),
    failed: count('failed'),
    canceled: count('canceled'),
  };
  return { status: deriveStatus(backfill, runs, partitions), runs: byStatus, partitions, latestRuns };
}

/**
 * CANCELED once canceled; REQUESTED while no run has left the queue; RUNNING while any
 * partition is pending; then FAILED if any partition's latest run failed, CANCELED if one was
 * canceled (a run canceled on its own), else COMPLETED (also when every partition was skipped).
 */
function deriveStatus(backfill: Backfill, runs: readonly BackfillRun[], partitions: PartitionCounts): BackfillStatus {
  if (backfill.status === 'CANCELED') return 'CANCELED';
  if (partitions.pending > 0) return runs.every((run) => run.status === 'QUEUED') ? 'REQUESTED' : 'RUNNING';
  if (partitions.failed > 0) return 'FAILED';
  if (partitions.canceled > 0) return 'CANCELED';
  return 'COMPLETED';
}
