/**
 * Backfills: the `strata.backfills` rows and the runs that point at them (`runs.backfill_id`).
 * The columns added by migration 0004 are typed here, on top of the core `Database`, so the
 * backfill code is the only place that needs them.
 */
import { type ColumnType, type Generated, type Kysely, type Selectable, sql } from 'kysely';
import type { PartitionRangeKeys } from '../core/partition-range.js';
import type { RunStatus, RunTrigger } from '../core/types.js';
import { UUID_PATTERN } from './runs.js';
import type { Database, RunsTable } from './schema.js';

export type BackfillStatus = 'REQUESTED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELED';

/** A partition the backfill made no run for, and why. */
export interface SkippedPartition {
  readonly partition: string;
  readonly reason: string;
}

export interface BackfillsTable {
  id: Generated<string>;
  selection: string;
  partitions_kind: string;
  partition_from: string;
  partition_to: string;
  partitions_total: number;
  chunk_size: ColumnType<number, number | undefined, number>;
  status: ColumnType<BackfillStatus, BackfillStatus | undefined, BackfillStatus>;
  skipped: ColumnType<SkippedPartition[], string | undefined, string>;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface BackfillRunsTable extends RunsTable {
  backfill_id: string | null;
}

export interface BackfillDatabase extends Omit<Database, 'strata.runs'> {
  'strata.runs': BackfillRunsTable;
  'strata.backfills': BackfillsTable;
}

/** The same connection (or transaction), typed with the backfill columns. */
export function backfillDb(db: Kysely<Database>): Kysely<BackfillDatabase> {
  return db as unknown as Kysely<BackfillDatabase>;
}

export interface Backfill {
  readonly id: string;
  /** As requested (`*`, `silver/*,gold/*`); each run stores the assets it actually runs. */
  readonly selection: string;
  readonly partitionsKind: string;
  readonly partitionFrom: string;
  readonly partitionTo: string;
  readonly partitionsTotal: number;
  readonly chunkSize: number;
  /** As last stored; `getBackfillProgress` derives the current one from the runs. */
  readonly status: BackfillStatus;
  readonly skipped: readonly SkippedPartition[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

function toBackfill(row: Selectable<BackfillsTable>): Backfill {
  return {
    id: row.id,
    selection: row.selection,
    partitionsKind: row.partitions_kind,
    partitionFrom: row.partition_from,
    partitionTo: row.partition_to,
    partitionsTotal: row.partitions_total,
    chunkSize: row.chunk_size,
    status: row.status,
    skipped: row.skipped,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface InsertBackfillInput {
  readonly selection: string;
  readonly partitionsKind: string;
  readonly partitionFrom: string;
  readonly partitionTo: string;
  readonly partitionsTotal: number;
  readonly chunkSize: number;
  readonly skipped: readonly SkippedPartition[];
}

export async function insertBackfill(db: Kysely<Database>, input: InsertBackfillInput): Promise<Backfill> {
  const row = await backfillDb(db)
    .insertInto('strata.backfills')
    .values({
      selection: input.selection,
      partitions_kind: input.partitionsKind,
      partition_from: input.partitionFrom,
      partition_to: input.partitionTo,
      partitions_total: input.partitionsTotal,
      chunk_size: input.chunkSize,
      skipped: JSON.stringify(input.skipped),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toBackfill(row);
}

export async function getBackfill(db: Kysely<Database>, id: string): Promise<Backfill | undefined> {
  if (!UUID_PATTERN.test(id)) return undefined;
  const row = await backfillDb(db).selectFrom('strata.backfills').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toBackfill(row);
}

/** Newest first. */
export async function listBackfills(db: Kysely<Database>, limit = 50): Promise<Backfill[]> {
  const rows = await backfillDb(db)
    .selectFrom('strata.backfills')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(Math.min(Math.max(limit, 1), 1000))
    .execute();
  return rows.map(toBackfill);
}

export async function setBackfillStatus(db: Kysely<Database>, id: string, status: BackfillStatus): Promise<void> {
  await backfillDb(db).updateTable('strata.backfills').set({ status, updated_at: new Date() }).where('id', '=', id).execute();
}

/** Appends skipped partitions (a re-execution may find one it can no longer run). */
export async function addSkippedPartitions(db: Kysely<Database>, id: string, skipped: readonly SkippedPartition[]): Promise<void> {
  if (skipped.length === 0) return;
  await backfillDb(db)
    .updateTable('strata.backfills')
    .set({ skipped: sql<string>`skipped || ${JSON.stringify(skipped)}::jsonb`, updated_at: new Date() })
    .where('id', '=', id)
    .execute();
}

/** The slice of a run that backfill progress needs. */
export interface BackfillRun {
  readonly id: string;
  readonly partitionKey: string;
  readonly status: RunStatus;
  readonly trigger: RunTrigger;
  readonly runKey: string | null;
  readonly selection: string;
  /** 1 for the first run of a partition; a retry (monitor or re-execute-failed) is its parent's + 1. */
  readonly attempt: number;
  /** Run retries (worker lost), copied to a re-execution of the partition. */
  readonly maxRetries: number;
  readonly createdAt: Date;
  /** A range run (its single_run assets over the whole range; `partitionKey` is its last key); null otherwise. */
  readonly partitionRange: PartitionRangeKeys | null;
}

export async function backfillRuns(db: Kysely<Database>, backfillId: string): Promise<BackfillRun[]> {
  const rows = await backfillDb(db)
    .selectFrom('strata.runs')
    .select(['id', 'partition_key', 'status', 'trigger', 'run_key', 'selection', 'attempt', 'max_retries', 'created_at', 'partition_range_start'])
    .where('backfill_id', '=', backfillId)
    .orderBy('partition_key')
    .orderBy('created_at')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    partitionKey: row.partition_key ?? '',
    status: row.status,
    trigger: row.trigger,
    runKey: row.run_key,
    selection: row.selection,
    attempt: row.attempt,
    maxRetries: row.max_retries,
    createdAt: row.created_at,
    partitionRange: row.partition_range_start === null ? null : { first: row.partition_range_start, last: row.partition_key ?? '' },
  }));
}

/** QUEUED -> CANCELED for every queued run of the backfill, in one compare-and-set UPDATE. */
export async function cancelQueuedBackfillRuns(db: Kysely<Database>, backfillId: string, at: Date): Promise<string[]> {
  const rows = await backfillDb(db)
    .updateTable('strata.runs')
    .set({ status: 'CANCELED', ended_at: at })
    .where('backfill_id', '=', backfillId)
    .where('status', '=', 'QUEUED')
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

/**
 * `asset_key` -> partition keys with a materialization, for keys from `from` up to and including
 * every key that starts with `to` (a daily `to` covers that day's six-hourly keys), plus ''
 * (unpartitioned). Compared byte-wise (COLLATE "C"): a locale collation may ignore `-` and `:`.
 */
export async function materializedPartitions(
  db: Kysely<Database>,
  assetKeys: readonly string[],
  from: string,
  to: string,
): Promise<Map<string, Set<string>>> {
  const found = new Map<string, Set<string>>(assetKeys.map((key) => [key, new Set<string>()]));
  if (assetKeys.length === 0) return found;
  const key = sql<string>`partition_key COLLATE "C"`;
  const rows = await db
    .selectFrom('strata.materializations')
    .select(['asset_key', 'partition_key'])
    .where('asset_key', 'in', [...assetKeys])
    .where((eb) => eb.or([eb.and([eb(key, '>=', from), eb(key, '<=', `${to}~`)]), eb('partition_key', '=', '')]))
    .execute();
  for (const row of rows) found.get(row.asset_key)?.add(row.partition_key);
  return found;
}
