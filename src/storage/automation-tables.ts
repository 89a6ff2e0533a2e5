/**
 * Row types of the automation tables (migration 0012), seen through
 * `db.withTables<AutomationTables>()` as the schedule tables are (schedule-tables.ts).
 */
import type { ColumnType, Generated, Kysely } from 'kysely';
import type { Database } from './schema.js';

type NullableTimestamp = ColumnType<Date | null, Date | null | undefined, Date | null>;

export type AutomationChangeKind = 'materialized' | 'failed' | 'run_queued' | 'run_ended';

export type AutomationChangesTable = {
  id: Generated<number>;
  kind: AutomationChangeKind;
  /** NULL for run changes: the run's assets are in `run_assets`. */
  asset_key: string | null;
  /** '' for an unpartitioned asset (or run). */
  partition_key: string;
  run_id: string;
  at: Date;
};

export type AutomationPartitionsTable = {
  asset_key: string;
  partition_key: string;
  materialized_at: NullableTimestamp;
  materialized_run: string | null;
  failed_at: NullableTimestamp;
  failed_run: string | null;
  requested_at: NullableTimestamp;
  requested_run: string | null;
  /** The label of the condition the result below is for; NULL for an asset without one. */
  condition: string | null;
  value: boolean | null;
  reason: string | null;
  true_since: NullableTimestamp;
  changed_at: NullableTimestamp;
  evaluation_id: number | null;
};

export type AutomationAssetsTable = {
  asset_key: string;
  condition: string;
  latest_partition: string;
  evaluated_at: Date;
};

export type AutomationCursorTable = {
  id: number;
  evaluation_id: number;
  evaluated_at: NullableTimestamp;
  /** The daemon that evaluates (automation-leader.ts); NULL when none holds the lease. */
  leader_id: string | null;
  lease_expires_at: NullableTimestamp;
};

export type AutomationEvaluationsTable = {
  id: number;
  process_id: string | null;
  started_at: Date;
  duration_ms: number;
  changes_read: number;
  partitions_evaluated: number;
  partitions_changed: number;
  runs_requested: number;
  run_ids: ColumnType<string[], string[] | undefined, string[]>;
};

export type AutomationResultsTable = {
  id: Generated<number>;
  evaluation_id: number;
  asset_key: string;
  partition_key: string;
  value: boolean;
  reason: string;
  run_id: string | null;
  evaluated_at: Date;
};

export type AutomationTables = {
  'strata.automation_changes': AutomationChangesTable;
  'strata.automation_partitions': AutomationPartitionsTable;
  'strata.automation_assets': AutomationAssetsTable;
  'strata.automation_cursor': AutomationCursorTable;
  'strata.automation_evaluations': AutomationEvaluationsTable;
  'strata.automation_results': AutomationResultsTable;
};

export type AutomationDb = Kysely<Database & AutomationTables>;

export function automationDb(db: Kysely<Database>): AutomationDb {
  return db.withTables<AutomationTables>();
}
