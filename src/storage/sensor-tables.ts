/**
 * Row types of the sensor tables (migration 0011), kept beside the sensor storage as the
 * schedule tables are; queries see them through `db.withTables<SensorTables>()`.
 */
import type { ColumnType, Generated, Kysely } from 'kysely';
import type { Database } from './schema.js';

type Defaulted<T> = ColumnType<T, T | undefined, T>;
type Nullable<T> = ColumnType<T | null, T | null | undefined, T | null>;
type Json<T> = ColumnType<T, string | undefined, string>;

export type SensorStatusColumn = 'running' | 'stopped';
export type SensorOutcome = 'requested' | 'skipped' | 'failed';

export type SensorStateTable = {
  name: string;
  /** NULL until an operator switches the sensor: its definition's defaultStatus applies. */
  status: Nullable<SensorStatusColumn>;
  status_changed_by: Nullable<string>;
  status_changed_at: Nullable<Date>;
  cursor: Nullable<string>;
  last_evaluated_at: Nullable<Date>;
  claimed_by: Nullable<string>;
  claim_expires_at: Nullable<Date>;
  /** Bumped by every claim and commit: the compare in the commit's compare-and-set. */
  version: ColumnType<number, never, number>;
  created_at: Defaulted<Date>;
};

/** One run an evaluation requested, as stored in `sensor_evaluations.run_requests`. */
export interface StoredRunRequest {
  /** The key the sensor gave (without the `sensor:<name>:` prefix); null when it gave none. */
  readonly runKey: string | null;
  readonly runId: string;
  readonly selection: string;
  readonly partitionKey: string | null;
  /** True when the run key already had a run: that run is reported, no second one is made. */
  readonly existed: boolean;
}

/** One line a sensor logged with ctx.log. */
export interface SensorLogLine {
  readonly at: string;
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
}

export type SensorEvaluationsTable = {
  id: Generated<number>;
  sensor_name: string;
  daemon_id: string | null;
  started_at: Date;
  ended_at: Date;
  duration_ms: number;
  outcome: SensorOutcome;
  skip_reason: string | null;
  error: string | null;
  cursor_before: string | null;
  cursor_after: string | null;
  run_requests: Json<StoredRunRequest[]>;
  logs: Json<SensorLogLine[]>;
  ended_run_id: string | null;
  /** Later evaluations with the same outcome folded into this row (0: it stands for one). */
  repeated: Defaulted<number>;
  /** When the last of them started; NULL while repeated is 0. */
  last_at: Nullable<Date>;
};

export type RunStatusSensorRunsTable = {
  sensor_name: string;
  run_id: string;
  run_ended_at: Date;
  outcome: string;
  attempts: Defaulted<number>;
  handled_at: Nullable<Date>;
  evaluation_id: Nullable<number>;
};

export type SensorTables = {
  'strata.sensor_state': SensorStateTable;
  'strata.sensor_evaluations': SensorEvaluationsTable;
  'strata.run_status_sensor_runs': RunStatusSensorRunsTable;
};

export type SensorDb = Kysely<Database & SensorTables>;

export function sensorDb(db: Kysely<Database>): SensorDb {
  return db.withTables<SensorTables>();
}
