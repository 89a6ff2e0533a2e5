/**
 * Frozen: never edit a migration that has shipped; add the next numbered file instead.
 *
 * The run queue: the named pools a run holds (computed from the graph at queue time, so a
 * claim can check pool limits without loading the graph), cancel requests, the steps a
 * re-execution from failure skips, and the heartbeat table of daemons and workers.
 *
 * NOTIFY comes from triggers, as graphile-worker does it: every path that queues a run
 * (CLI, API, scheduler, backfill, retry) or requests a cancel wakes the workers, in the same
 * transaction, without each caller having to remember to.
 */
import { type Kysely, sql } from 'kysely';

const STATEMENTS = [
  `ALTER TABLE strata.runs ADD COLUMN pools text[] NOT NULL DEFAULT '{}'`,
  `ALTER TABLE strata.runs ADD COLUMN cancel_requested_at timestamptz(3)`,
  // stepKey()s that succeeded in the parent chain: a re-execution from failure skips them.
  `ALTER TABLE strata.runs ADD COLUMN skip_steps text[] NOT NULL DEFAULT '{}'`,
  // The claim counts the active runs (globally and per pool); the monitor scans their heartbeats.
  `CREATE INDEX runs_active_idx ON strata.runs (heartbeat_at) WHERE status IN ('STARTING', 'STARTED')`,
  `CREATE TABLE strata.processes (
    id text PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('daemon', 'worker', 'all', 'serve')),
    hostname text NOT NULL,
    pid integer NOT NULL,
    started_at timestamptz(3) NOT NULL,
    heartbeat_at timestamptz(3) NOT NULL,
    stopped_at timestamptz(3),
    loops jsonb NOT NULL DEFAULT '{}'
  )`,
  `CREATE INDEX processes_heartbeat_idx ON strata.processes (heartbeat_at DESC) WHERE stopped_at IS NULL`,
  `CREATE FUNCTION strata.notify_run_queue() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF NEW.status = 'QUEUED' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'QUEUED') THEN
      PERFORM pg_notify('strata_run_queued', NEW.id::text);
    END IF;
    -- A run ending frees a slot (global or pool) that a passed-over queued run may be waiting for.
    IF NEW.status IN ('SUCCESS', 'FAILURE', 'CANCELED') AND OLD.status IN ('STARTING', 'STARTED') THEN
      PERFORM pg_notify('strata_run_finished', NEW.id::text);
    END IF;
    IF NEW.cancel_requested_at IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.cancel_requested_at IS NULL) THEN
      PERFORM pg_notify('strata_run_cancel', NEW.id::text);
    END IF;
    RETURN NULL;
  END
  $$`,
  `CREATE TRIGGER runs_notify_run_queue AFTER INSERT OR UPDATE OF status, cancel_requested_at ON strata.runs
    FOR EACH ROW EXECUTE FUNCTION strata.notify_run_queue()`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) {
    await sql.raw(statement).execute(db);
  }
}
