/**
 * Frozen: never edit a migration that has shipped; add the next numbered file instead.
 *
 * Sensors are defined in code; the database holds what several daemons must share and a restart
 * must keep:
 * - `sensor_state`: the operator's switch (NULL until switched: the definition's defaultStatus
 *   applies), the cursor, when it was last evaluated, and the claim. A daemon claims a due sensor
 *   with one `UPDATE … WHERE due AND unclaimed RETURNING` that bumps `version`; the claim expires
 *   at `claim_expires_at`, so a daemon killed mid-evaluation holds nobody up for longer than that.
 *   The evaluation commits only if `version` is still the one it claimed (compare-and-set).
 * - `sensor_evaluations`: every evaluation with its outcome, reason, cursor move, requested runs
 *   and the lines the sensor logged. No foreign key to runs: retention purges runs on its own.
 *   A skip that repeats the sensor's previous evaluation exactly (same reason and cursor, no
 *   logs) is counted on that row (`repeated`, `last_at`) instead of adding one: a sensor every
 *   0.5 s would otherwise store 172,800 rows a day of "inbox empty".
 * - `run_status_sensor_runs`: which ended runs each run-status sensor has handled (or tried to),
 *   the "handled set" that makes a run handed over once although ended runs are found by a
 *   look-back window on `ended_at` (timestamps are not commit-ordered).
 */
import { type Kysely, sql } from 'kysely';

const STATEMENTS = [
  `CREATE TABLE strata.sensor_state (
    name text PRIMARY KEY,
    status text CHECK (status IN ('running', 'stopped')),
    status_changed_by text,
    status_changed_at timestamptz(3),
    cursor text,
    last_evaluated_at timestamptz(3),
    claimed_by text,
    claim_expires_at timestamptz(3),
    version bigint NOT NULL DEFAULT 0,
    created_at timestamptz(3) NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE strata.sensor_evaluations (
    id bigserial PRIMARY KEY,
    sensor_name text NOT NULL,
    daemon_id text,
    started_at timestamptz(3) NOT NULL,
    ended_at timestamptz(3) NOT NULL,
    duration_ms integer NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('requested', 'skipped', 'failed')),
    skip_reason text,
    error text,
    cursor_before text,
    cursor_after text,
    run_requests jsonb NOT NULL DEFAULT '[]',
    logs jsonb NOT NULL DEFAULT '[]',
    ended_run_id uuid,
    repeated integer NOT NULL DEFAULT 0,
    last_at timestamptz(3)
  )`,
  // A sensor's history, newest first (the API pages on id).
  `CREATE INDEX sensor_evaluations_sensor_id_idx ON strata.sensor_evaluations (sensor_name, id DESC)`,
  `CREATE INDEX sensor_evaluations_started_at_idx ON strata.sensor_evaluations (started_at)`,
  `CREATE TABLE strata.run_status_sensor_runs (
    sensor_name text NOT NULL,
    run_id uuid NOT NULL,
    run_ended_at timestamptz(3) NOT NULL,
    outcome text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    handled_at timestamptz(3),
    evaluation_id bigint,
    PRIMARY KEY (sensor_name, run_id)
  )`,
  `CREATE INDEX run_status_sensor_runs_ended_idx ON strata.run_status_sensor_runs (run_ended_at)`,
  // Run-status sensors look for runs that ended in a window.
  `CREATE INDEX runs_ended_at_idx ON strata.runs (ended_at) WHERE ended_at IS NOT NULL`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) {
    await sql.raw(statement).execute(db);
  }
}
