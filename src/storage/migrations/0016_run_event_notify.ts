/**
 * Frozen: never edit a migration that has shipped; add the next numbered file instead.
 *
 * Live run pages follow a run by LISTEN on `strata_run_events` instead of polling the events
 * table per open stream. The trigger is statement-level with a transition table, so an INSERT
 * of many events (several runs' at once, when the writer batches) sends one notification per
 * run, not per row: the payload is `<run id>:<newest event id>`, so a listener that has read
 * that far already can skip the read.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE FUNCTION strata.notify_run_events() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('strata_run_events', run_id::text || ':' || max(id)::text) FROM inserted GROUP BY run_id;
      RETURN NULL;
    END
  $$`.execute(db);
  await sql`CREATE TRIGGER events_notify_run AFTER INSERT ON strata.events
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION strata.notify_run_events()`.execute(db);
}
