/** Reading stored asset check results (table strata.check_results, written from `check:evaluated`). */
import { type Kysely, type Selectable, sql } from 'kysely';
import type { AssetKey, Metadata } from '../core/types.js';
import type { CheckResultsTable, Database } from './schema.js';

export interface StoredCheckResult {
  readonly assetKey: AssetKey;
  /** null for an unpartitioned asset. */
  readonly partitionKey: string | null;
  /** null when retention has purged the run. */
  readonly runId: string | null;
  readonly check: string;
  readonly severity: 'error' | 'warn';
  readonly passed: boolean;
  readonly message: string | null;
  readonly metadata: Metadata;
  readonly at: Date;
}

/** The newest result of each check of an asset (any partition), by check name. */
export async function latestCheckResults(db: Kysely<Database>, assetKey: AssetKey): Promise<StoredCheckResult[]> {
  const rows = await db
    .selectFrom('strata.check_results')
    .selectAll()
    .distinctOn('check_name')
    .where('asset_key', '=', assetKey)
    .orderBy('check_name')
    .orderBy('evaluated_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map(toStoredCheckResult);
}

/**
 * The newest result of every asset check that is failing now, across all assets, error checks
 * first. One DISTINCT ON over check_results_asset_check_time_idx; retention bounds the table.
 */
export async function failingCheckResults(db: Kysely<Database>): Promise<StoredCheckResult[]> {
  const rows = await db
    .selectFrom('strata.check_results')
    .selectAll()
    .distinctOn(['asset_key', 'check_name'])
    .orderBy('asset_key')
    .orderBy('check_name')
    .orderBy('evaluated_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows
    .filter((row) => !row.passed)
    .map(toStoredCheckResult)
    .sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
}

function toStoredCheckResult(row: Selectable<CheckResultsTable>): StoredCheckResult {
  return {
    assetKey: row.asset_key,
    partitionKey: row.partition_key === '' ? null : row.partition_key,
    runId: row.run_id,
    check: row.check_name,
    severity: row.severity,
    passed: row.passed,
    message: row.message,
    metadata: row.metadata as Metadata,
    at: row.evaluated_at,
  };
}

/**
 * The numeric `metadata.value` of an asset check's newest results, newest first: the history an
 * anomaly check compares with (index check_results_asset_check_time_idx).
 */
export async function recentCheckValues(db: Kysely<Database>, assetKey: AssetKey, checkName: string, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('strata.check_results')
    .select(sql<string | null>`metadata->>'value'`.as('value'))
    .where('asset_key', '=', assetKey)
    .where('check_name', '=', checkName)
    .orderBy('evaluated_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.flatMap((row) => (row.value === null ? [] : [Number(row.value)])).filter(Number.isFinite);
}
