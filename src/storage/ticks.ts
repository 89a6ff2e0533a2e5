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

/**
 * Stores each tick unless it exists (the claim: the first evaluator decides its outcome), in one
 * INSERT … ON CONFLICT DO NOTHING, then one read of the ticks that
 * another evaluator had stored. Results in the order of `inputs`.
 */
export async function claimTicks(db: Kysely<Database>, inputs: readonly ClaimTickInput[], evaluatedAt: Date): Promise<{ tick: Tick; claimed: boolean }[]> {
  if (inputs.length === 0) return [];
  const keyOf = (name: string, at: Date) => `${name}\u0000${at.toISOString()}`;
  // Key order: two daemons inserting the same ticks wait for each other instead of deadlocking.
  const sorted = [...inputs].sort((a, b) => {
    const ka = keyOf(a.scheduleName, a.tickAt);
    const kb = keyOf(b.scheduleName, b.tickAt);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const names = sorted.map((input) => input.scheduleName);
  const times = sorted.map((input) => input.tickAt.toISOString());
  const { rows: inserted } = await sql<Selectable<TicksTable>>`
    INSERT INTO strata.ticks (schedule_name, tick_at, status, evaluated_at, reason, error, run_id)
    SELECT t.name, t.at, t.status, ${evaluatedAt}, t.reason, t.error, NULL
    FROM unnest(${names}::text[], ${times}::timestamptz[], ${sorted.map((input) => input.status)}::text[],
                ${sorted.map((input) => input.reason ?? null)}::text[], ${sorted.map((input) => input.error ?? null)}::text[])
      WITH ORDINALITY AS t (name, at, status, reason, error, n)
    ORDER BY t.n
    ON CONFLICT (schedule_name, tick_at) DO NOTHING
    RETURNING *`.execute(db);
  const found = new Map<string, { tick: Tick; claimed: boolean }>();
  for (const row of inserted) found.set(keyOf(row.schedule_name, new Date(row.tick_at)), { tick: toTick(row), claimed: true });
  const missing = sorted.filter((input) => !found.has(keyOf(input.scheduleName, input.tickAt)));
  if (missing.length > 0) {
    const { rows } = await sql<Selectable<TicksTable>>`
      SELECT t.* FROM strata.ticks t
      JOIN unnest(${missing.map((input) => input.scheduleName)}::text[], ${missing.map((input) => input.tickAt.toISOString())}::timestamptz[]) AS m (name, at)
        ON t.schedule_name = m.name AND t.tick_at = m.at`.execute(db);
    for (const row of rows) found.set(keyOf(row.schedule_name, new Date(row.tick_at)), { tick: toTick(row), claimed: false });
  }
  return inputs.map((input) => {
    const result = found.get(keyOf(input.scheduleName, input.tickAt));
    if (result === undefined) throw new Error(`tick ${input.scheduleName} at ${input.tickAt.toISOString()} was neither stored nor found`);
    return result;
  });
}

/** Records the runs SUCCESS ticks queued, in one statement; a no-op for a tick whose run another evaluator recorded first. */
export async function setTickRuns(db: Kysely<Database>, runs: readonly { readonly tickId: number; readonly runId: string }[]): Promise<void> {
  if (runs.length === 0) return;
  await sql`
    UPDATE strata.ticks t SET run_id = r.run_id
    FROM unnest(${runs.map((run) => run.tickId)}::bigint[], ${runs.map((run) => run.runId)}::uuid[]) AS r (id, run_id)
    WHERE t.id = r.id AND t.run_id IS NULL`.execute(db);
}
