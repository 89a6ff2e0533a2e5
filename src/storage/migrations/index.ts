/**
 * The core migrations, listed statically: bundlers and `tsx` see every file, and nothing is
 * imported from the filesystem at run time. Names sort in the order they must run.
 */
import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_runs_and_events.js';
import * as m0002 from './0002_run_queue.js';
import * as m0003 from './0003_schedules.js';
import * as m0004 from './0004_backfills.js';
import * as m0005 from './0005_retention.js';
import * as m0006 from './0006_check_results.js';
import * as m0007 from './0007_run_queue_order.js';
import * as m0008 from './0008_run_list.js';
import * as m0009 from './0009_source_rate_limits.js';
import * as m0010 from './0010_event_triggers.js';
import * as m0011 from './0011_sensors.js';
import * as m0012 from './0012_automation.js';

const CORE_MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_runs_and_events': m0001,
  '0002_run_queue': m0002,
  '0003_schedules': m0003,
  '0004_backfills': m0004,
  '0005_retention': m0005,
  '0006_check_results': m0006,
  '0007_run_queue_order': m0007,
  '0008_run_list': m0008,
  '0009_source_rate_limits': m0009,
  '0010_event_triggers': m0010,
  '0011_sensors': m0011,
  '0012_automation': m0012,
});

export const coreMigrationProvider: MigrationProvider = {
  async getMigrations() {
    return CORE_MIGRATIONS;
  },
};

/** Where the core records which migrations ran (in schema `strata`). */
export const CORE_MIGRATION_TABLE = Object.freeze({ schema: 'strata', tableName: 'strata_migrations' });
