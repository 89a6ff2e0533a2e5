/**
 * Frozen: never edit a migration that has shipped; add the next numbered file instead.
 *
 * Retention deletes old runs (their steps and events go with them by ON DELETE CASCADE). Three
 * references must survive that:
 * - `materializations` is state, not history: the latest materialization of a partition stays
 *   when the run and event that produced it are purged, so its run_id and event_id become NULL;
 * - a retry or re-execution outlives its parent run: `parent_run_id` becomes NULL;
 * - (ticks.run_id was ON DELETE SET NULL from the start.)
 * The indexes are for those FK actions, which otherwise scan the referencing table once per
 * deleted row, and for purging ticks by time (the unique index leads with schedule_name).
 */
import { type Kysely, sql } from 'kysely';

const STATEMENTS = [
  `ALTER TABLE strata.materializations ALTER COLUMN run_id DROP NOT NULL`,
  `ALTER TABLE strata.materializations ALTER COLUMN event_id DROP NOT NULL`,
  `ALTER TABLE strata.materializations
    DROP CONSTRAINT materializations_run_id_fkey,
    ADD CONSTRAINT materializations_run_id_fkey FOREIGN KEY (run_id) REFERENCES strata.runs (id) ON DELETE SET NULL`,
  `ALTER TABLE strata.materializations
    DROP CONSTRAINT materializations_event_id_fkey,
    ADD CONSTRAINT materializations_event_id_fkey FOREIGN KEY (event_id) REFERENCES strata.events (id) ON DELETE SET NULL`,
  `ALTER TABLE strata.runs
    DROP CONSTRAINT runs_parent_run_id_fkey,
    ADD CONSTRAINT runs_parent_run_id_fkey FOREIGN KEY (parent_run_id) REFERENCES strata.runs (id) ON DELETE SET NULL`,
  `CREATE INDEX materializations_run_id_idx ON strata.materializations (run_id) WHERE run_id IS NOT NULL`,
  `CREATE INDEX materializations_event_id_idx ON strata.materializations (event_id) WHERE event_id IS NOT NULL`,
  `CREATE INDEX runs_parent_run_id_idx ON strata.runs (parent_run_id) WHERE parent_run_id IS NOT NULL`,
  `CREATE INDEX ticks_tick_at_idx ON strata.ticks (tick_at)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) {
    await sql.raw(statement).execute(db);
  }
}
