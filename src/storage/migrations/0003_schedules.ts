/**
 * Frozen: never edit a migration that has shipped; add the next numbered file instead.
 *
 * Schedules are defined in code; the database holds what must survive a restart and be shared
 * by several daemons: whether each schedule is on, its cursor (the last tick time evaluated)
 * and every tick with its outcome. UNIQUE (schedule_name, tick_at) is what makes a tick happen
 * once however many daemons evaluate it. A NULL cursor means no daemon has evaluated the
 * schedule yet (it may have been switched off before its first start).
 */
import { type Kysely, sql } from 'kysely';

const STATEMENTS = [
  `CREATE TABLE strata.schedule_state (
    name text PRIMARY KEY,
    enabled boolean NOT NULL DEFAULT true,
    cursor timestamptz(3),
    updated_at timestamptz(3) NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE strata.ticks (
    id bigserial PRIMARY KEY,
    schedule_name text NOT NULL,
    tick_at timestamptz(3) NOT NULL,
    evaluated_at timestamptz(3) NOT NULL DEFAULT now(),
    status text NOT NULL CHECK (status IN ('SUCCESS', 'SKIPPED', 'FAILURE')),
    run_id uuid REFERENCES strata.runs (id) ON DELETE SET NULL,
    reason text,
    error text,
    UNIQUE (schedule_name, tick_at)
  )`,
  // The unique index (schedule_name, tick_at) also serves "latest ticks of a schedule".
  `CREATE INDEX ticks_run_id_idx ON strata.ticks (run_id) WHERE run_id IS NOT NULL`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) {
    await sql.raw(statement).execute(db);
  }
}
