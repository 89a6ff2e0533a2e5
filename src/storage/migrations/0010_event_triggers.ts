/**
 * Frozen: never edit a migration that has shipped; add the next numbered file instead.
 *
 * Runs may now be requested by a sensor (`sensor`) or by declarative automation
 * (`automation`), besides an operator, a schedule tick, a backfill or a retry.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE strata.runs DROP CONSTRAINT runs_trigger_check`.execute(db);
  await sql`ALTER TABLE strata.runs ADD CONSTRAINT runs_trigger_check
    CHECK (trigger IN ('manual', 'schedule', 'backfill', 'retry', 'sensor', 'automation'))`.execute(db);
}
