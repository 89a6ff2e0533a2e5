/**
 * Frozen: never edit a migration that has shipped; add the next numbered file instead.
 *
 * Pools now hold steps, not runs (pool-slots.ts): a step of an asset with a `pool` takes a row
 * here before it starts and deletes it when it ends. Only rows of STARTING/STARTED runs count,
 * so a run that died (failed by the run monitor) frees its slots with no cleanup; they are
 * deleted when next seen. Every delete NOTIFYs `strata_pool_slots` (payload: the pool), which
 * wakes the steps waiting for a slot in every process. `runs.pools` stays: the pools a run's
 * steps use, for display.
 */
import { type Kysely, sql } from 'kysely';

const STATEMENTS = [
  `CREATE TABLE strata.pool_slots (
    pool text NOT NULL,
    run_id uuid NOT NULL REFERENCES strata.runs (id) ON DELETE CASCADE,
    step_key text NOT NULL,
    acquired_at timestamptz(3) NOT NULL,
    PRIMARY KEY (pool, run_id, step_key)
  )`,
  // Retention deletes runs: their (normally long gone) slots go with them, found by run.
  `CREATE INDEX pool_slots_run_id ON strata.pool_slots (run_id)`,
  `CREATE FUNCTION strata.pool_slot_freed() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM pg_notify('strata_pool_slots', OLD.pool);
    RETURN NULL;
  END
  $$`,
  `CREATE TRIGGER pool_slots_freed AFTER DELETE ON strata.pool_slots
    FOR EACH ROW EXECUTE FUNCTION strata.pool_slot_freed()`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}
