/**
 * Ticks: one row per schedule evaluation of one cron time, with its outcome. The row is the
 * claim: inserted ON CONFLICT DO NOTHING on (schedule_name, tick_at), so the first evaluator
 * decides the outcome and everyone after reads it.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from './schema.js';
import { scheduleDb, type TickStatus, type TicksTable } from './schedule-tables.js';

export interface Tick {
  readonly id: number;
  readonly scheduleName: string;
  readonly tickAt: Date;
  readonly evaluatedAt: Date;
  readonly status: TickStatus;
  /** Set once the run is queued; a SUCCESS tick without one is being (or must be) queued. */
  readonly runId: string | null;
  /** Why a tick was SKIPPED. */
  readonly reason: string | null;
  /** Why a tick FAILED. */
  readonly error: string | null;
}

export interface ClaimTickInput {
  readonly scheduleName: string;
  readonly tickAt: Date;
  readonly status: TickStatus;
  readonly evaluatedAt?: Date;
  readonly reason?: string | null;
  readonly error?: string | null;
}

/** A stored tick row as the rest of Strata reads it. */
export function toTick(row: Selectable<TicksTable>): Tick {
  return {
    id: row.id,
    scheduleName: row.schedule_name,
    tickAt: row.tick_at,
    evaluatedAt: row.evaluated_at,
    status: row.status,
    runId: row.run_id,
    reason: row.reason,
    error: row.error,
  };
}

/** Stores the tick unless it exists; `claimed` says whether this call stored it. */
export async function claimTick(db: Kysely<Database>, input: ClaimTickInput): Promise<{ tick: Tick; claimed: boolean }> {
  const sdb = scheduleDb(db);
  const inserted = await sdb
    .insertInto('strata.ticks')
    .values({
      schedule_name: input.scheduleName,
      tick_at: input.tickAt,
      status: input.status,
      ...(input.evaluatedAt !== undefined ? { evaluated_at: input.evaluatedAt } : {}),
      reason: input.reason ?? null,
      error: input.error ?? null,
      run_id: null,
    })
    .onConflict((oc) => oc.columns(['schedule_name', 'tick_at']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted !== undefined) return { tick: toTick(inserted), claimed: true };
  const existing = await sdb
    .selectFrom('strata.ticks')
    .selectAll()
    .where('schedule_name', '=', input.scheduleName)
    .where('tick_at', '=', input.tickAt)
    .executeTakeFirstOrThrow();
  return { tick: toTick(existing), claimed: false };
}

/** Records the run a SUCCESS tick queued; a no-op when another evaluator recorded it first. */
export async function setTickRun(db: Kysely<Database>, tickId: number, runId: string): Promise<void> {
  await scheduleDb(db).updateTable('strata.ticks').set({ run_id: runId }).where('id', '=', tickId).where('run_id', 'is', null).execute();
}

/** Marks a tick whose run could not be queued (bad selection, partition function threw). */
export async function failTick(db: Kysely<Database>, tickId: number, error: string): Promise<void> {
  await scheduleDb(db)
    .updateTable('strata.ticks')
    .set({ status: 'FAILURE', error })
    .where('id', '=', tickId)
    .where('run_id', 'is', null)
    .execute();
}

/** The latest tick of each schedule that has one, by schedule name. */
export async function latestTicks(db: Kysely<Database>): Promise<Map<string, Tick>> {
  const rows = await scheduleDb(db)
    .selectFrom('strata.ticks')
    .selectAll()
    .distinctOn('schedule_name')
    .orderBy('schedule_name')
    .orderBy('tick_at', 'desc')
    .execute();
  return new Map(rows.map((row) => [row.schedule_name, toTick(row)]));
}

/** How many ticks each status has, for one schedule or all. */
export async function countTicks(db: Kysely<Database>, scheduleName?: string): Promise<Record<TickStatus, number>> {
  let query = scheduleDb(db).selectFrom('strata.ticks').select(['status', sql<number>`count(*)::int`.as('n')]).groupBy('status');
  if (scheduleName !== undefined) query = query.where('schedule_name', '=', scheduleName);
  const counts: Record<TickStatus, number> = { SUCCESS: 0, SKIPPED: 0, FAILURE: 0 };
  for (const row of await query.execute()) counts[row.status] = row.n;
  return counts;
}
