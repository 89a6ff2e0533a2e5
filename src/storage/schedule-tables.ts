/**
 * Row types of the schedule tables (migration 0003). Kept beside the schedule storage rather than
 * in schema.ts; the functions here see them through `db.withTables<ScheduleTables>()`, which
 * wants type aliases (an interface has no index signature).
 */
import type { ColumnType, Generated, Kysely } from 'kysely';
import type { Database } from './schema.js';

export type TickStatus = 'SUCCESS' | 'SKIPPED' | 'FAILURE';

type Defaulted<T> = ColumnType<T, T | undefined, T>;

export type ScheduleStateTable = {
  name: string;
  enabled: Defaulted<boolean>;
  /** The last tick time evaluated; NULL until a daemon first evaluates the schedule. */
  cursor: ColumnType<Date | null, Date | null | undefined, Date | null>;
  updated_at: Defaulted<Date>;
};

export type TicksTable = {
  id: Generated<number>;
  schedule_name: string;
  tick_at: ColumnType<Date, Date, never>;
  evaluated_at: Defaulted<Date>;
  status: TickStatus;
  run_id: string | null;
  reason: string | null;
  error: string | null;
};

export type ScheduleTables = {
  'strata.schedule_state': ScheduleStateTable;
  'strata.ticks': TicksTable;
};

export type ScheduleDb = Kysely<Database & ScheduleTables>;

export function scheduleDb(db: Kysely<Database>): ScheduleDb {
  return db.withTables<ScheduleTables>();
}
