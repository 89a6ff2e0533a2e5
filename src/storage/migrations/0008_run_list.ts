/**
 * Frozen: never edit a migration that has shipped; add the next numbered file instead.
 *
 * The runs list filtered by trigger or by asset must stay an index scan on a million runs.
 * `run_assets` records the assets a run selected when it was queued (a QUEUED run has no steps
 * yet, and steps of a long-gone run may be retained differently); its created_at is the run's, so
 * the asset filter pages on (asset_key, created_at, run_id) without touching runs first.
 * `steps_asset_partition_idx` serves an asset's partition status (latest step per partition).
 */
import { type Kysely, sql } from 'kysely';

const STATEMENTS = [
  `CREATE INDEX runs_trigger_created_at_idx ON strata.runs (trigger, created_at DESC, id DESC)`,
  `CREATE TABLE strata.run_assets (
    run_id uuid NOT NULL REFERENCES strata.runs (id) ON DELETE CASCADE,
    asset_key text NOT NULL,
    created_at timestamptz(3) NOT NULL,
    PRIMARY KEY (run_id, asset_key)
  )`,
  `INSERT INTO strata.run_assets (run_id, asset_key, created_at)
    SELECT DISTINCT steps.run_id, steps.asset_key, runs.created_at
    FROM strata.steps JOIN strata.runs ON runs.id = steps.run_id`,
  `CREATE INDEX run_assets_asset_created_idx ON strata.run_assets (asset_key, created_at DESC, run_id DESC)`,
  `CREATE INDEX steps_asset_partition_idx ON strata.steps (asset_key, partition_key)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) {
    await sql.raw(statement).execute(db);
  }
}
