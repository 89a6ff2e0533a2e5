/**
 * What the automation evaluator reads and writes (migration 0012). Reads are bounded by what
 * changed (the drained change feed, the partitions it touches) and by what is running now
 * (the queue's status index): never by the size of run or event history. Bulk reads and
 * writes pass one array per column (unnest), the same SQL on Postgres and PGlite.
 */
import { type Kysely, sql } from 'kysely';
import { automationDb, type AutomationChangeKind } from './automation-tables.js';
import type { Database } from './schema.js';

export interface AutomationCursor {
  readonly evaluationId: number;
  readonly evaluatedAt: Date | null;
}

export interface AutomationChange {
  readonly id: number;
  readonly kind: AutomationChangeKind;
  readonly assetKey: string | null;
  readonly partitionKey: string;
  readonly runId: string;
  readonly at: Date;
}

/** One asset partition's stored row: folded state and, for automated assets, the current result. */
export interface StoredPartition {
  readonly assetKey: string;
  readonly partitionKey: string;
  readonly materializedAt: Date | null;
  readonly materializedRun: string | null;
  readonly failedAt: Date | null;
  readonly failedRun: string | null;
  readonly requestedAt: Date | null;
  readonly requestedRun: string | null;
  readonly condition: string | null;
  readonly value: boolean | null;
  readonly reason: string | null;
  readonly trueSince: Date | null;
  readonly changedAt: Date | null;
  readonly evaluationId: number | null;
}

export interface ActiveRunPartition {
  readonly runId: string;
  readonly assetKey: string;
  /** The run's partition key ('' when it has none). */
  readonly partitionKey: string;
}

export interface AutomatedAssetRow {
  readonly assetKey: string;
  readonly condition: string;
  readonly latestPartition: string;
}

export async function readAutomationCursor(db: Kysely<Database>): Promise<AutomationCursor> {
  const row = await automationDb(db).selectFrom('strata.automation_cursor').select(['evaluation_id', 'evaluated_at']).where('id', '=', 1).executeTakeFirstOrThrow();
  return { evaluationId: Number(row.evaluation_id), evaluatedAt: row.evaluated_at };
}

/** The oldest `limit` committed changes not yet folded. */
export async function readAutomationChanges(db: Kysely<Database>, limit: number): Promise<AutomationChange[]> {
  const rows = await automationDb(db).selectFrom('strata.automation_changes').selectAll().orderBy('id').limit(limit).execute();
  return rows.map((row) => ({ id: Number(row.id), kind: row.kind, assetKey: row.asset_key, partitionKey: row.partition_key, runId: row.run_id, at: row.at }));
}

/** The assets each run selected (`run_assets`), for the runs that queued or ended: one row per run. */
export async function readRunAssets(db: Kysely<Database>, runIds: readonly string[]): Promise<Map<string, string[]>> {
  const byRun = new Map<string, string[]>();
  if (runIds.length === 0) return byRun;
  const rows = await sql<{ run_id: string; asset_keys: string[] }>`
    SELECT run_id, array_agg(asset_key) AS asset_keys FROM strata.run_assets
    WHERE run_id = ANY(${[...new Set(runIds)]}::uuid[]) GROUP BY run_id`.execute(db);
  for (const row of rows.rows) byRun.set(row.run_id, row.asset_keys);
  return byRun;
}

/** Every asset of every queued, starting or started run: what is in progress now. */
export async function readActiveRunPartitions(db: Kysely<Database>): Promise<ActiveRunPartition[]> {
  const rows = await sql<{ id: string; asset_key: string; partition_key: string }>`
    SELECT r.id, ra.asset_key, COALESCE(r.partition_key, '') AS partition_key
    FROM strata.runs r JOIN strata.run_assets ra ON ra.run_id = r.id
    WHERE r.status IN ('QUEUED', 'STARTING', 'STARTED')
    ORDER BY r.created_at`.execute(db);
  return rows.rows.map((row) => ({ runId: row.id, assetKey: row.asset_key, partitionKey: row.partition_key }));
}

export async function readAutomatedAssets(db: Kysely<Database>): Promise<Map<string, AutomatedAssetRow>> {
  const rows = await automationDb(db).selectFrom('strata.automation_assets').selectAll().execute();
  return new Map(rows.map((row) => [row.asset_key, { assetKey: row.asset_key, condition: row.condition, latestPartition: row.latest_partition }]));
}

/** Times come as epoch milliseconds: a number makes a Date far faster than a timestamp's text. */
interface PartitionRow {
  asset_key: string;
  partition_key: string;
  materialized_at: number | null;
  materialized_run: string | null;
  failed_at: number | null;
  failed_run: string | null;
  requested_at: number | null;
  requested_run: string | null;
  condition: string | null;
  value: boolean | null;
  reason: string | null;
  true_since: number | null;
  changed_at: number | null;
  evaluation_id: number | string | null;
}

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

function toStoredPartition(row: PartitionRow): StoredPartition {
  return {
    assetKey: row.asset_key,
    partitionKey: row.partition_key,
    materializedAt: date(row.materialized_at),
    materializedRun: row.materialized_run,
    failedAt: date(row.failed_at),
    failedRun: row.failed_run,
    requestedAt: date(row.requested_at),
    requestedRun: row.requested_run,
    condition: row.condition,
    value: row.value,
    reason: row.reason,
    trueSince: date(row.true_since),
    changedAt: date(row.changed_at),
    evaluationId: row.evaluation_id === null ? null : Number(row.evaluation_id),
  };
}

/** The stored rows of the given asset partitions (those never seen have none), by primary key. */
export async function readPartitions(db: Kysely<Database>, keys: readonly (readonly [string, string])[]): Promise<StoredPartition[]> {
  if (keys.length === 0) return [];
  const rows = await sql<PartitionRow>`
    SELECT p.asset_key, p.partition_key,
      (extract(epoch FROM p.materialized_at) * 1000)::float8 AS materialized_at, p.materialized_run,
      (extract(epoch FROM p.failed_at) * 1000)::float8 AS failed_at, p.failed_run,
      (extract(epoch FROM p.requested_at) * 1000)::float8 AS requested_at, p.requested_run,
      p.condition, p.value, p.reason,
      (extract(epoch FROM p.true_since) * 1000)::float8 AS true_since,
      (extract(epoch FROM p.changed_at) * 1000)::float8 AS changed_at, p.evaluation_id
    FROM unnest(${keys.map((key) => key[0])}::text[], ${keys.map((key) => key[1])}::text[]) AS k(asset_key, partition_key)
    JOIN strata.automation_partitions p ON p.asset_key = k.asset_key AND p.partition_key = k.partition_key`.execute(db);
  return rows.rows.map(toStoredPartition);
}

/**
 * Moves the cursor from `expected` to the next evaluation, or returns false when another
 * evaluator moved it first (the caller rolls its transaction back). Under READ COMMITTED the
 * UPDATE waits for a concurrent evaluator's commit and then re-checks the condition.
 */
export async function advanceAutomationCursor(db: Kysely<Database>, expected: number, at: Date): Promise<boolean> {
  const result = await automationDb(db)
    .updateTable('strata.automation_cursor')
    .set({ evaluation_id: expected + 1, evaluated_at: at })
    .where('id', '=', 1)
    .where('evaluation_id', '=', expected)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deleteAutomationChanges(db: Kysely<Database>, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`DELETE FROM strata.automation_changes WHERE id = ANY(${ids}::bigint[])`.execute(db);
}

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

/**
 * Writes whole rows (the evaluator holds the cursor, so nobody else writes them meanwhile),
 * one array per column: tens of thousands of rows are one statement with 14 parameters.
 */
export async function upsertPartitions(db: Kysely<Database>, partitions: readonly StoredPartition[]): Promise<void> {
  if (partitions.length === 0) return;
  const column = <T>(of: (p: StoredPartition) => T): T[] => partitions.map(of);
  await sql`
    INSERT INTO strata.automation_partitions
    SELECT * FROM unnest(
      ${column((p) => p.assetKey)}::text[], ${column((p) => p.partitionKey)}::text[],
      ${column((p) => iso(p.materializedAt))}::timestamptz[], ${column((p) => p.materializedRun)}::uuid[],
      ${column((p) => iso(p.failedAt))}::timestamptz[], ${column((p) => p.failedRun)}::uuid[],
      ${column((p) => iso(p.requestedAt))}::timestamptz[], ${column((p) => p.requestedRun)}::uuid[],
      ${column((p) => p.condition)}::text[], ${column((p) => p.value)}::boolean[], ${column((p) => p.reason)}::text[],
      ${column((p) => iso(p.trueSince))}::timestamptz[], ${column((p) => iso(p.changedAt))}::timestamptz[], ${column((p) => p.evaluationId)}::bigint[])
    ON CONFLICT (asset_key, partition_key) DO UPDATE SET
      materialized_at = EXCLUDED.materialized_at, materialized_run = EXCLUDED.materialized_run,
      failed_at = EXCLUDED.failed_at, failed_run = EXCLUDED.failed_run,
      requested_at = EXCLUDED.requested_at, requested_run = EXCLUDED.requested_run,
      condition = EXCLUDED.condition, value = EXCLUDED.value, reason = EXCLUDED.reason, true_since = EXCLUDED.true_since,
      changed_at = EXCLUDED.changed_at, evaluation_id = EXCLUDED.evaluation_id`.execute(db);
}

/** A partition's new result: stored as its current one, and as a row of its history. */
export interface ResultChange {
  readonly assetKey: string;
  readonly partitionKey: string;
  readonly condition: string;
  readonly value: boolean;
  readonly reason: string;
  readonly trueSince: Date | null;
  /** The run automation requested for it in this evaluation. */
  readonly runId: string | null;
}

/**
 * Stores each changed result twice from one set of parameters: as the partition's current
 * result (only the result columns; the folded state is upsertPartitions') and as a history
 * row. Tens of thousands of rows: sending and parsing the arrays is most of the cost, so they
 * are sent once, and what every row shares (the evaluation, its time) as single values.
 */
export async function writeResultChanges(db: Kysely<Database>, evaluationId: number, at: Date, changes: readonly ResultChange[]): Promise<void> {
  if (changes.length === 0) return;
  const column = <T>(of: (change: ResultChange) => T): T[] => changes.map(of);
  await sql`
    WITH r AS (
      SELECT * FROM unnest(${column((c) => c.assetKey)}::text[], ${column((c) => c.partitionKey)}::text[], ${column((c) => c.condition)}::text[],
        ${column((c) => c.value)}::boolean[], ${column((c) => c.reason)}::text[], ${column((c) => iso(c.trueSince))}::timestamptz[], ${column((c) => c.runId)}::uuid[])
        AS r(asset_key, partition_key, condition, value, reason, true_since, run_id)
    ), history AS (
      INSERT INTO strata.automation_results (evaluation_id, asset_key, partition_key, value, reason, run_id, evaluated_at)
      SELECT ${evaluationId}, asset_key, partition_key, value, reason, run_id, ${at}::timestamptz FROM r
    )
    INSERT INTO strata.automation_partitions AS p (asset_key, partition_key, condition, value, reason, true_since, changed_at, evaluation_id, requested_at, requested_run)
    SELECT asset_key, partition_key, condition, value, reason, true_since, ${at}::timestamptz, ${evaluationId},
      CASE WHEN run_id IS NULL THEN NULL ELSE ${at}::timestamptz END, run_id
    FROM r
    ON CONFLICT (asset_key, partition_key) DO UPDATE SET
      condition = EXCLUDED.condition, value = EXCLUDED.value, reason = EXCLUDED.reason, true_since = EXCLUDED.true_since,
      changed_at = EXCLUDED.changed_at, evaluation_id = EXCLUDED.evaluation_id,
      requested_at = COALESCE(EXCLUDED.requested_at, p.requested_at), requested_run = COALESCE(EXCLUDED.requested_run, p.requested_run)`.execute(db);
}

/** The automated assets as this evaluation saw them: their condition and latest partition. */
export async function replaceAutomatedAssets(db: Kysely<Database>, assets: readonly AutomatedAssetRow[], at: Date): Promise<void> {
  const adb = automationDb(db);
  await adb.deleteFrom('strata.automation_assets').execute();
  if (assets.length === 0) return;
  await adb
    .insertInto('strata.automation_assets')
    .values(assets.map((asset) => ({ asset_key: asset.assetKey, condition: asset.condition, latest_partition: asset.latestPartition, evaluated_at: at })))
    .execute();
}

export interface EvaluationRecord {
  readonly id: number;
  readonly processId: string | null;
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly changesRead: number;
  readonly partitionsEvaluated: number;
  readonly partitionsChanged: number;
  readonly runIds: readonly string[];
}

export async function insertEvaluation(db: Kysely<Database>, record: EvaluationRecord): Promise<void> {
  await automationDb(db)
    .insertInto('strata.automation_evaluations')
    .values({
      id: record.id,
      process_id: record.processId,
      started_at: record.startedAt,
      duration_ms: Math.round(record.durationMs),
      changes_read: record.changesRead,
      partitions_evaluated: record.partitionsEvaluated,
      partitions_changed: record.partitionsChanged,
      runs_requested: record.runIds.length,
      run_ids: [...record.runIds],
    })
    .execute();
}
