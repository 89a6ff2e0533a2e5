/**
 * Frozen: never edit a migration that has shipped; add the next numbered file instead.
 *
 * Materialization history is read from `events` (type 'asset:materialized', indexed by
 * asset) rather than a second history table: the event log is already the append-only
 * source of truth that the UI and metrics read, and one copy cannot disagree with another.
 * `materializations` keeps only the latest per asset partition, for O(1) lookups.
 */
import { type Kysely, sql } from 'kysely';

const RUN_STATUSES = `'QUEUED', 'STARTING', 'STARTED', 'SUCCESS', 'FAILURE', 'CANCELED'`;
const STEP_STATUSES = `'PENDING', 'RUNNING', 'SUCCESS', 'FAILURE', 'SKIPPED', 'CANCELED'`;

const STATEMENTS = [
  `CREATE SCHEMA IF NOT EXISTS strata`,
  `CREATE TABLE strata.runs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    status text NOT NULL DEFAULT 'QUEUED' CHECK (status IN (${RUN_STATUSES})),
    trigger text NOT NULL CHECK (trigger IN ('manual', 'schedule', 'backfill', 'retry')),
    selection text NOT NULL,
    partition_key text,
    tags jsonb NOT NULL DEFAULT '{}',
    run_key text UNIQUE,
    priority integer NOT NULL DEFAULT 0,
    parent_run_id uuid REFERENCES strata.runs (id),
    max_retries integer NOT NULL DEFAULT 0 CHECK (max_retries >= 0),
    attempt integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    created_at timestamptz(3) NOT NULL DEFAULT now(),
    started_at timestamptz(3),
    ended_at timestamptz(3),
    error text,
    worker_id text,
    heartbeat_at timestamptz(3)
  )`,
  `CREATE INDEX runs_created_at_idx ON strata.runs (created_at DESC, id DESC)`,
  `CREATE INDEX runs_status_created_at_idx ON strata.runs (status, created_at DESC, id DESC)`,
  // The run queue reads only QUEUED rows, highest priority first, oldest first.
  `CREATE INDEX runs_queue_idx ON strata.runs (priority DESC, created_at, id) WHERE status = 'QUEUED'`,
  `CREATE TABLE strata.steps (
    run_id uuid NOT NULL REFERENCES strata.runs (id) ON DELETE CASCADE,
    asset_key text NOT NULL,
    partition_key text NOT NULL DEFAULT '',
    status text NOT NULL CHECK (status IN (${STEP_STATUSES})),
    attempts integer NOT NULL DEFAULT 0,
    started_at timestamptz(3),
    ended_at timestamptz(3),
    duration_ms integer,
    error text,
    metadata jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, asset_key, partition_key)
  )`,
  `CREATE TABLE strata.events (
    id bigserial PRIMARY KEY,
    run_id uuid NOT NULL REFERENCES strata.runs (id) ON DELETE CASCADE,
    type text NOT NULL,
    at timestamptz(3) NOT NULL,
    asset_key text,
    partition_key text,
    level text NOT NULL DEFAULT 'info' CHECK (level IN ('debug', 'info', 'warn', 'error')),
    message text,
    payload jsonb NOT NULL
  )`,
  `CREATE INDEX events_run_id_idx ON strata.events (run_id, id)`,
  `CREATE INDEX events_materializations_idx ON strata.events (asset_key, id DESC) WHERE type = 'asset:materialized'`,
  `CREATE TABLE strata.materializations (
    asset_key text NOT NULL,
    partition_key text NOT NULL DEFAULT '',
    run_id uuid NOT NULL REFERENCES strata.runs (id),
    event_id bigint NOT NULL REFERENCES strata.events (id),
    materialized_at timestamptz(3) NOT NULL,
    value jsonb NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (asset_key, partition_key)
  )`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) {
    await sql.raw(statement).execute(db);
  }
}
