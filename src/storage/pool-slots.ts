/**
 * Slots of named pools, held by steps (migration 0013). Taking one reads how many are held and
 * then inserts, so two processes deciding at once could both see room: a transaction-level
 * advisory lock per pool serialises the decisions. Only slots of live runs count: STARTING or
 * STARTED and heartbeating. Those of ended runs, and of runs silent past the heartbeat timeout (a
 * process killed mid-step, whether or not a monitor has failed its run yet: `strata materialize`
 * on the embedded database runs none), are deleted as they are seen, which also wakes the other
 * waiters (the delete trigger's NOTIFY).
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';

export interface PoolSlot {
  readonly pool: string;
  readonly runId: string;
  /** stepKey(assetKey, partition) of the step holding it. */
  readonly stepKey: string;
}

export type PoolSlotAttempt = { readonly acquired: true } | { readonly acquired: false; readonly inUse: number };

/** Takes a slot of `slot.pool` unless `size` are held by active runs; taking one the step already holds succeeds. */
export async function tryAcquirePoolSlot(db: Kysely<Database>, slot: PoolSlot, size: number, at: Date, heartbeatTimeoutMs: number): Promise<PoolSlotAttempt> {
  const silentSince = new Date(at.getTime() - heartbeatTimeoutMs);
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`strata pool ${slot.pool}`}, 0))`.execute(trx);
    await sql`DELETE FROM strata.pool_slots s USING strata.runs r
      WHERE s.pool = ${slot.pool} AND r.id = s.run_id
        AND (r.status NOT IN ('STARTING', 'STARTED') OR COALESCE(r.heartbeat_at, r.created_at) < ${silentSince})`.execute(trx);
    const held = await sql<{ run_id: string; step_key: string }>`SELECT run_id, step_key FROM strata.pool_slots WHERE pool = ${slot.pool}`.execute(trx);
    if (held.rows.some((row) => row.run_id === slot.runId && row.step_key === slot.stepKey)) return { acquired: true };
    if (held.rows.length >= size) return { acquired: false, inUse: held.rows.length };
    await sql`INSERT INTO strata.pool_slots (pool, run_id, step_key, acquired_at)
      VALUES (${slot.pool}, ${slot.runId}, ${slot.stepKey}, ${at})`.execute(trx);
    return { acquired: true };
  });
}

export async function releasePoolSlot(db: Kysely<Database>, slot: PoolSlot): Promise<void> {
  await sql`DELETE FROM strata.pool_slots WHERE pool = ${slot.pool} AND run_id = ${slot.runId} AND step_key = ${slot.stepKey}`.execute(db);
}
