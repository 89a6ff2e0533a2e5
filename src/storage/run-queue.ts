/**
 * Claiming queued runs. The limit checks (runs executing at once, per named pool) read counts
 * and then act on them, so two workers deciding at the same moment could both see room for
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
  /** Runs STARTING/STARTED at once across all workers. */
  readonly maxConcurrentRuns: number;
  /** Size of each named pool; a pool with no size here is unlimited. */
  readonly poolSizes: Readonly<Record<string, number>>;
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
 * STARTING with the worker and a first heartbeat. A run whose pool is full is passed over and a
 * later run may go; a run with a cancel request is never claimed (requestCancel ends it).
 */
export async function claimRuns(db: Kysely<Database>, options: ClaimOptions): Promise<Run[]> {
  if (options.max <= 0) return [];
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${CLAIM_LOCK_KEY})`.execute(trx);
    const usage = await activeUsage(trx);
    let room = Math.min(options.max, options.maxConcurrentRuns - usage.total);
    const claimed: Run[] = [];
    while (room > 0) {
      const full = Object.entries(options.poolSizes)
        .filter(([pool, size]) => (usage.pools.get(pool) ?? 0) >= size)
        .map(([pool]) => pool);
      const next = await trx
        .selectFrom('strata.runs')
        .select(['id', 'pools'])
        .where('status', '=', 'QUEUED')
        .where('cancel_requested_at', 'is', null)
        .$if(full.length > 0, (qb) => qb.where(sql<boolean>`NOT (pools && ${sql.val(full)}::text[])`))
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
      for (const pool of next.pools) usage.pools.set(pool, (usage.pools.get(pool) ?? 0) + 1);
      room -= 1;
    }
    return claimed;
  });
}

interface Usage {
  total: number;
  pools: Map<string, number>;
}

/** STARTING/STARTED runs, in all and per pool they hold. */
async function activeUsage(trx: Transaction<Database>): Promise<Usage> {
  const rows = await trx.selectFrom('strata.runs').select('pools').where('status', 'in', ACTIVE).execute();
  const pools = new Map<string, number>();
  for (const row of rows) for (const pool of row.pools) pools.set(pool, (pools.get(pool) ?? 0) + 1);
  return { total: rows.length, pools };
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
