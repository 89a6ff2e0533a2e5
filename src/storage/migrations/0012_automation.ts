/**
 * Frozen: never edit a migration that has shipped; add the next numbered file instead.
 *
 * Declarative automation (src/daemon/automation/):
 * - `automation_changes` is a change feed filled by triggers, in the transaction that records
 *   a materialization, a failed step (no retry left), a queued run or an ended run. The daemon
 *   drains it: it deletes the rows it folded in the transaction that stores the result, so a
 *   row that commits late (ids and times are not commit-ordered under concurrent writers) is
 *   simply still there next time, never skipped behind a cursor. Each row also NOTIFYs
 *   `strata_automation`, which wakes the daemons at once.
 * - `automation_partitions` is the folded state per asset partition (last materialization,
 *   last failure, last automation request) and, for automated assets, the condition's current
 *   result and reason. It starts from `materializations`, so history before this migration counts.
 * - `automation_cursor` is the compare-and-set guard: an evaluation commits only if the cursor
 *   is still the one it read, so with several daemons each change is folded exactly once.
 *   Its `leader_id` and `lease_expires_at` are the evaluator's lease (automation-leader.ts):
 *   one daemon evaluates at a time, so it stays warm and the others do not duplicate work.
 * - `automation_results` keeps each change of a partition's result (not every evaluation), and
 *   `automation_evaluations` one row per evaluation that had something to do.
 */
import { type Kysely, sql } from 'kysely';

const STATEMENTS = [
  `CREATE TABLE strata.automation_changes (
    id bigserial PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('materialized', 'failed', 'run_queued', 'run_ended')),
    asset_key text,
    partition_key text NOT NULL DEFAULT '',
    run_id uuid NOT NULL,
    at timestamptz(3) NOT NULL
  )`,
  `CREATE FUNCTION strata.automation_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO strata.automation_changes (kind, asset_key, partition_key, run_id, at)
    VALUES (CASE WHEN NEW.type = 'asset:materialized' THEN 'materialized' ELSE 'failed' END,
            NEW.asset_key, COALESCE(NEW.partition_key, ''), NEW.run_id, NEW.at);
    PERFORM pg_notify('strata_automation', '');
    RETURN NULL;
  END
  $$`,
  // Only what automation folds fires the function: log lines and other events cost one test.
  `CREATE TRIGGER events_automation_change AFTER INSERT ON strata.events FOR EACH ROW
    WHEN (NEW.type = 'asset:materialized'
      OR (NEW.type = 'step:failed' AND COALESCE((NEW.payload ->> 'willRetry')::boolean, false) = false))
    EXECUTE FUNCTION strata.automation_event_change()`,
  `CREATE FUNCTION strata.automation_run_change() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'INSERT' AND NEW.status = 'QUEUED' THEN
      INSERT INTO strata.automation_changes (kind, partition_key, run_id, at) VALUES ('run_queued', COALESCE(NEW.partition_key, ''), NEW.id, now());
      PERFORM pg_notify('strata_automation', '');
    ELSIF TG_OP = 'UPDATE' AND NEW.status IN ('SUCCESS', 'FAILURE', 'CANCELED') AND OLD.status NOT IN ('SUCCESS', 'FAILURE', 'CANCELED') THEN
      INSERT INTO strata.automation_changes (kind, partition_key, run_id, at) VALUES ('run_ended', COALESCE(NEW.partition_key, ''), NEW.id, now());
      PERFORM pg_notify('strata_automation', '');
    END IF;
    RETURN NULL;
  END
  $$`,
  `CREATE TRIGGER runs_automation_change AFTER INSERT OR UPDATE OF status ON strata.runs
    FOR EACH ROW EXECUTE FUNCTION strata.automation_run_change()`,
  `CREATE TABLE strata.automation_partitions (
    asset_key text NOT NULL,
    partition_key text NOT NULL,
    materialized_at timestamptz(3),
    materialized_run uuid,
    failed_at timestamptz(3),
    failed_run uuid,
    requested_at timestamptz(3),
    requested_run uuid,
    condition text,
    value boolean,
    reason text,
    true_since timestamptz(3),
    changed_at timestamptz(3),
    evaluation_id bigint,
    PRIMARY KEY (asset_key, partition_key)
  )`,
  `INSERT INTO strata.automation_partitions (asset_key, partition_key, materialized_at, materialized_run)
    SELECT asset_key, partition_key, materialized_at, run_id FROM strata.materializations`,
  `CREATE TABLE strata.automation_assets (
    asset_key text PRIMARY KEY,
    condition text NOT NULL,
    latest_partition text NOT NULL,
    evaluated_at timestamptz(3) NOT NULL
  )`,
  `CREATE TABLE strata.automation_cursor (
    id smallint PRIMARY KEY CHECK (id = 1),
    evaluation_id bigint NOT NULL DEFAULT 0,
    evaluated_at timestamptz(3),
    leader_id text,
    lease_expires_at timestamptz(3)
  )`,
  `INSERT INTO strata.automation_cursor (id) VALUES (1)`,
  `CREATE TABLE strata.automation_evaluations (
    id bigint PRIMARY KEY,
    process_id text,
    started_at timestamptz(3) NOT NULL,
    duration_ms integer NOT NULL,
    changes_read integer NOT NULL,
    partitions_evaluated integer NOT NULL,
    partitions_changed integer NOT NULL,
    runs_requested integer NOT NULL,
    run_ids uuid[] NOT NULL DEFAULT '{}'
  )`,
  `CREATE INDEX automation_evaluations_started_at_idx ON strata.automation_evaluations (started_at)`,
  `CREATE TABLE strata.automation_results (
    id bigserial PRIMARY KEY,
    evaluation_id bigint NOT NULL,
    asset_key text NOT NULL,
    partition_key text NOT NULL,
    value boolean NOT NULL,
    reason text NOT NULL,
    run_id uuid,
    evaluated_at timestamptz(3) NOT NULL
  )`,
  `CREATE INDEX automation_results_asset_idx ON strata.automation_results (asset_key, id DESC)`,
  `CREATE INDEX automation_results_evaluated_at_idx ON strata.automation_results (evaluated_at)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) {
    await sql.raw(statement).execute(db);
  }
}
