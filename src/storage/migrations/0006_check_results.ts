/**
 * Frozen: never edit a migration that has shipped; add the next numbered file instead.
 *
 * One row per asset check evaluated (event `check:evaluated`), for "latest results of this
 * asset's checks" without scanning the event log. Like materializations, results outlive the
 * run retention purges: run_id becomes NULL.
 */
import { type Kysely, sql } from 'kysely';

const STATEMENTS = [
  `CREATE TABLE strata.check_results (
    id            bigserial PRIMARY KEY,
    run_id        uuid REFERENCES strata.runs (id) ON DELETE SET NULL,
    asset_key     text NOT NULL,
    partition_key text NOT NULL DEFAULT '',
    check_name    text NOT NULL,
    severity      text NOT NULL CHECK (severity IN ('error', 'warn')),
    passed        boolean NOT NULL,
    message       text,
    metadata      jsonb NOT NULL DEFAULT '{}',
    evaluated_at  timestamptz(3) NOT NULL
  )`,
  `CREATE INDEX check_results_asset_check_time_idx ON strata.check_results (asset_key, check_name, evaluated_at DESC, id DESC)`,
  `CREATE INDEX check_results_run_id_idx ON strata.check_results (run_id) WHERE run_id IS NOT NULL`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) {
    await sql.raw(statement).execute(db);
  }
}
