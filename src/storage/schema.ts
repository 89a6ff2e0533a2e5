/**
 * Row types of the core tables (Postgres schema `strata`), as kysely sees them. Keys are
 * schema-qualified so queries work whatever the connection's search_path is.
 *
 * jsonb columns are written as JSON text (we stringify explicitly: node-postgres would turn
 * a JS array into a Postgres array literal) and read back as parsed values.
 * Timestamps are timestamptz(3): millisecond precision, exactly what a JS Date holds, so a
 * value read back compares equal to the cursor built from it.
 */
import type { ColumnType, Generated } from 'kysely';
import type { RunStatus, RunTrigger, StepStatus } from '../core/types.js';

type Json<T> = ColumnType<T, string, string>;
type JsonDefault<T> = ColumnType<T, string | undefined, string>;
type Timestamp = ColumnType<Date, Date, Date>;
type NullableTimestamp = ColumnType<Date | null, Date | null | undefined, Date | null>;
type Defaulted<T> = ColumnType<T, T | undefined, T>;

export interface RunsTable {
  id: Generated<string>;
  /** Insertion order: the queue's FIFO tie-break after priority. */
  queue_seq: Generated<number>;
  status: Defaulted<RunStatus>;
  trigger: RunTrigger;
  selection: string;
  partition_key: string | null;
  tags: JsonDefault<Record<string, string>>;
  run_key: string | null;
  priority: Defaulted<number>;
  parent_run_id: string | null;
  max_retries: Defaulted<number>;
  attempt: Defaulted<number>;
  created_at: ColumnType<Date, Date | undefined, never>;
  started_at: NullableTimestamp;
  ended_at: NullableTimestamp;
  error: string | null;
  worker_id: string | null;
  heartbeat_at: NullableTimestamp;
  /** Named pools of the run's assets (asset.pool), fixed at queue time. */
  pools: Defaulted<string[]>;
  cancel_requested_at: NullableTimestamp;
  /** stepKey()s a re-execution from failure skips: they succeeded in the parent chain. */
  skip_steps: Defaulted<string[]>;
  /** A range run's first key (migration 0014); null for a one-partition run. */
  partition_range_start: Defaulted<string | null>;
  /** A range run's last key, equal to partition_key; null for a one-partition run. */
  partition_range_end: Defaulted<string | null>;
}

export interface StepsTable {
  run_id: string;
  asset_key: string;
  /** '' for an unpartitioned step: a primary key column cannot be NULL. */
  partition_key: string;
  status: StepStatus;
  attempts: Defaulted<number>;
  started_at: NullableTimestamp;
  ended_at: NullableTimestamp;
  duration_ms: number | null;
  error: string | null;
  metadata: JsonDefault<Record<string, unknown>>;
}

export type EventLevel = 'debug' | 'info' | 'warn' | 'error';

export interface EventsTable {
  id: Generated<number>;
  run_id: string;
  type: string;
  at: Timestamp;
  asset_key: string | null;
  partition_key: string | null;
  level: Defaulted<EventLevel>;
  message: string | null;
  /** The whole event as JSON (dates as ISO strings); the columns above are for filtering. */
  payload: Json<Record<string, unknown>>;
}

export interface MaterializationsTable {
  asset_key: string;
  /** '' for an unpartitioned asset. */
  partition_key: string;
  /** NULL once retention has purged the run (and event) that produced it (migration 0005). */
  run_id: string | null;
  event_id: number | null;
  materialized_at: Timestamp;
  value: Json<unknown>;
  metadata: JsonDefault<Record<string, unknown>>;
}

/** One evaluated asset check (event `check:evaluated`), migration 0006. */
export interface CheckResultsTable {
  id: Generated<number>;
  /** NULL once retention has purged the run. */
  run_id: string | null;
  asset_key: string;
  /** '' for an unpartitioned asset. */
  partition_key: string;
  check_name: string;
  severity: 'error' | 'warn';
  passed: boolean;
  message: string | null;
  metadata: JsonDefault<Record<string, unknown>>;
  evaluated_at: Timestamp;
}

/** The assets a run selected, recorded when it is queued (migration 0008): the runs list's asset filter. */
export interface RunAssetsTable {
  run_id: string;
  asset_key: string;
  /** The run's created_at, so the asset filter pages without reading runs. */
  created_at: Timestamp;
}

/** Daemons and workers: one row per process, heartbeated; `loops` holds each background loop's last result. */
export interface ProcessesTable {
  id: string;
  kind: 'daemon' | 'worker' | 'all' | 'serve';
  hostname: string;
  pid: number;
  started_at: Timestamp;
  heartbeat_at: Timestamp;
  stopped_at: NullableTimestamp;
  loops: JsonDefault<Record<string, LoopStatus>>;
}

/** What `strata status` shows for one background loop. Times are ISO strings (jsonb). */
export interface LoopStatus {
  readonly last_run_at: string;
  readonly last_error: string | null;
  readonly last_error_at: string | null;
  readonly error_count: number;
}

/**
 * One market-data source's rolling rate-limit window, shared by every process (migration 0009).
 * `starts` is written as a Postgres array literal of ISO times (`{2026-…Z,…}`), read as Dates.
 */
export interface SourceRateLimitsTable {
  source: string;
  starts: ColumnType<Date[], string | undefined, string>;
  paused_until: NullableTimestamp;
}

export interface Database {
  'strata.runs': RunsTable;
  'strata.steps': StepsTable;
  'strata.events': EventsTable;
  'strata.materializations': MaterializationsTable;
  'strata.processes': ProcessesTable;
  'strata.check_results': CheckResultsTable;
  'strata.run_assets': RunAssetsTable;
  'strata.source_rate_limits': SourceRateLimitsTable;
}
