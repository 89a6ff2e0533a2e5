/**
 * Frozen: never edit a migration that has shipped; add the next numbered file instead.
 *
 * "Priority first, then oldest" needs a total order: created_at has millisecond precision, and
 * runs queued within one millisecond would otherwise fall back to their random uuids. A sequence
 * taken at insert time is the queue's FIFO order.
 */
import { type Kysely, sql } from 'kysely';

const STATEMENTS = [
  `ALTER TABLE strata.runs ADD COLUMN queue_seq bigserial NOT NULL`,
  `DROP INDEX strata.runs_queue_idx`,
  `CREATE INDEX runs_queue_idx ON strata.runs (priority DESC, queue_seq) WHERE status = 'QUEUED'`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) {
    await sql.raw(statement).execute(db);
  }
}
