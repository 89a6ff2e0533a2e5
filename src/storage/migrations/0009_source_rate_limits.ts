/**
 * Frozen: never edit a migration that has shipped; add the next numbered file instead.
 *
 * One rolling rate-limit window per market-data source, shared by every process on the database
 * (database-rate-limiter.ts): the start times of the requests in the window (at most the limit,
 * pruned on every start, so the table stays one small row per source) and the pause a 429's
 * Retry-After imposed. A process locks the row (FOR UPDATE) to decide whether it may start.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE strata.source_rate_limits (
    source text PRIMARY KEY,
    starts timestamptz(3)[] NOT NULL DEFAULT '{}',
    paused_until timestamptz(3)
  )`.execute(db);
}
