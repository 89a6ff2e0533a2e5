/**
 * Claiming queued runs. The limit check (runs executing at once) reads a count and then acts
 * on it, so two workers deciding at the same moment could both see room for
 * one. A transaction-level advisory lock serialises the claim decisions (a few milliseconds
 * each); `FOR UPDATE SKIP LOCKED` keeps a claim from waiting on, or taking, a run that another
 * transaction (a cancel, a requeue) holds.
 */
import { type Kysely, type Transaction, sql } from 'kysely';
import { type Run, toRun } from './runs.js';
import type { Database } from './schema.js';

/** pg_advisory_xact_lock key of the claim decision ('STRA' 'TAQ1'); distinct from kysely's migration lock. */
export const CLAIM_LOCK_KEY = 0x5354_5241_5441_5131n;

const ACTIVE = ['STARTING', 'STARTED'] as const;

export interface ClaimLimits {
  /** Runs STARTING/STARTED at once across all workers. Pools limit steps, not runs (pool-slots.ts). */
  readonly maxConcurrentRuns: number;
}

export interface ClaimOptions extends ClaimLimits {
  readonly workerId: string;
  /** How many runs the worker has room for. */
  readonly max: number;
  /** Written as the claimed runs' first heartbeat. */
  readonly at: Date;
}

/**
 * Claims up to `max` QUEUED runs for `workerId`, highest priority first, then oldest: sets them
 * STARTING with the worker and a first heartbeat. A run with a cancel request is never claimed (requestCancel ends it).
 */
export async function claimRuns(db: Kysely<Database>, options: ClaimOptions): Promise<Run[]> {
  if (options.max <= 0) return [];
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${CLAIM_LOCK_KEY})`.execute(trx);
    let room = Math.min(options.max, options.maxConcurrentRuns - (await activeRuns(trx)));
    const claimed: Run[] = [];
    while (room > 0) {
      const next = await trx
        .selectFrom('strata.runs')
        .select('id')
        .where('status', '=', 'QUEUED')
        .where('cancel_requested_at', 'is', null)
        .$if(claimed.length > 0, (qb) => qb.where('id', 'not in', claimed.map((run) => run.id)))
        .orderBy('priority', 'desc')
        .orderBy('queue_seq')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (next === undefined) break;
      const row = await trx
        .updateTable('strata.runs')
        .set({ status: 'STARTING', worker_id: options.workerId, heartbeat_at: options.at })
        .where('id', '=', next.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      claimed.push(toRun(row));
      room -= 1;
    }
    return claimed;
  });
}

/** STARTING/STARTED runs. */
async function activeRuns(trx: Transaction<Database>): Promise<number> {
  const row = await trx
    .selectFrom('strata.runs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', 'in', ACTIVE)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** QUEUED runs, for `strata status` and metrics. */
export async function queueDepth(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('strata.runs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'QUEUED')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
