/**
 * Read models of backfills, shared by the JSON API and the HTML UI:
 *
 * - `backfillList(runtime, limit)`: newest first, each with its derived status and progress
 *   counts (without the per-partition runs, which a long backfill has thousands of).
 * - `backfillView(runtime, id)`: one backfill with its progress and the latest run of each
 *   partition. Throws BackfillNotFoundError (404).
 *
 * `percentDone` counts partitions that reached an outcome (succeeded, failed, canceled, skipped).
 */
import { getBackfillDetail, listBackfillDetails, type BackfillDetail } from '../../daemon/backfill.js';
import type { PartitionCounts } from '../../daemon/backfill-progress.js';
import type { RunStatus } from '../../core/types.js';
import type { Runtime } from '../../runtime.js';
import type { BackfillRun, BackfillStatus, SkippedPartition } from '../../storage/backfills.js';

export interface BackfillSummary {
  readonly id: string;
  readonly selection: string;
  readonly partitionsKind: string;
  readonly partitionFrom: string;
  readonly partitionTo: string;
  readonly chunkSize: number;
  readonly status: BackfillStatus;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Every run of the backfill (retries included) by status. */
  readonly runCounts: Readonly<Record<RunStatus, number>>;
  readonly partitions: PartitionCounts;
  /** 0..100, one decimal. */
  readonly percentDone: number;
  /** 0..100, one decimal: partitions whose latest run succeeded. */
  readonly percentSucceeded: number;
}

export interface BackfillView extends BackfillSummary {
  readonly skipped: readonly SkippedPartition[];
  /** The latest run of each partition that has one, in partition order. */
  readonly latestRuns: readonly BackfillRun[];
}

export const MAX_BACKFILLS_PAGE = 200;

function percent(part: number, total: number): number {
  return total === 0 ? 100 : Math.round((1000 * part) / total) / 10;
}

export function toSummary(detail: BackfillDetail): BackfillSummary {
  const { partitions } = detail.progress;
  return {
    id: detail.id,
    selection: detail.selection,
    partitionsKind: detail.partitionsKind,
    partitionFrom: detail.partitionFrom,
    partitionTo: detail.partitionTo,
    chunkSize: detail.chunkSize,
    status: detail.progress.status,
    createdAt: detail.createdAt,
    updatedAt: detail.updatedAt,
    runCounts: detail.progress.runs,
    partitions,
    percentDone: percent(partitions.succeeded + partitions.failed + partitions.canceled + partitions.skipped, partitions.total),
    percentSucceeded: percent(partitions.succeeded, partitions.total),
  };
}

export function toView(detail: BackfillDetail): BackfillView {
  return { ...toSummary(detail), skipped: detail.skipped, latestRuns: detail.progress.latestRuns };
}

export async function backfillList(runtime: Runtime, limit = 50): Promise<BackfillSummary[]> {
  const details = await listBackfillDetails(runtime, Math.min(Math.max(limit, 1), MAX_BACKFILLS_PAGE));
  return details.map(toSummary);
}

export async function backfillView(runtime: Runtime, id: string): Promise<BackfillView> {
  return toView(await getBackfillDetail(runtime, id));
}
