/**
 * Frozen: never edit a migration that has shipped; add the next numbered file instead.
 *
 * Backfills: one row per request to run a selection over a range of partitions. Its runs point
 * back with `runs.backfill_id`; progress and status are derived from those runs. Partitions
 * that got no run (their bronze is missing and the source cannot serve the past) are kept in
 * `skipped` with the reason, so the backfill says why it covers fewer partitions than asked.
 */
import { type Kysely, sql } from 'kysely';

const STATEMENTS = [
  `CREATE TABLE strata.backfills (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    selection text NOT NULL,
    partitions_kind text NOT NULL,
    partition_from text NOT NULL,
    partition_to text NOT NULL,
    partitions_total integer NOT NULL CHECK (partitions_total > 0),
    chunk_size integer NOT NULL DEFAULT 1 CHECK (chunk_size > 0),
    status text NOT NULL DEFAULT 'REQUESTED' CHECK (status IN ('REQUESTED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELED')),
    skipped jsonb NOT NULL DEFAULT '[]',
    created_at timestamptz(3) NOT NULL DEFAULT now(),
    updated_at timestamptz(3) NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX backfills_created_at_idx ON strata.backfills (created_at DESC, id DESC)`,
  `ALTER TABLE strata.runs ADD COLUMN backfill_id uuid REFERENCES strata.backfills (id)`,
  // Progress reads a backfill's runs; most runs belong to no backfill, so the index skips them.
  `CREATE INDEX runs_backfill_idx ON strata.runs (backfill_id, partition_key, created_at) WHERE backfill_id IS NOT NULL`,
  // The column follows the run's `backfill` tag, so a retry queued anywhere (the monitor
  // copies the tags of the run it retries) stays in its backfill without knowing about backfills.
  `CREATE FUNCTION strata.runs_backfill_from_tag() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF NEW.backfill_id IS NULL AND NEW.tags ? 'backfill'
       AND NEW.tags->>'backfill' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
      NEW.backfill_id := (NEW.tags->>'backfill')::uuid;
    END IF;
    RETURN NEW;
  END
  $$`,
  `CREATE TRIGGER runs_backfill_from_tag BEFORE INSERT ON strata.runs
    FOR EACH ROW EXECUTE FUNCTION strata.runs_backfill_from_tag()`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) {
    await sql.raw(statement).execute(db);
  }
}
