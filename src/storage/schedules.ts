/**
 * Schedule state: on/off and the cursor (the last tick time evaluated). The cursor only moves by
 * compare-and-set, so when two daemons evaluate the same ticks exactly one of them advances it.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from './schema.js';
import { scheduleDb, type ScheduleStateTable } from './schedule-tables.js';

export interface ScheduleState {
  readonly name: string;
  readonly enabled: boolean;
  /** The last tick time evaluated; null until a daemon first evaluates the schedule. */
  readonly cursor: Date | null;
  readonly updatedAt: Date;
}

function toScheduleState(row: Selectable<ScheduleStateTable>): ScheduleState {
  return { name: row.name, enabled: row.enabled, cursor: row.cursor, updatedAt: row.updated_at };
}

export async function getScheduleState(db: Kysely<Database>, name: string): Promise<ScheduleState | undefined> {
  const row = await scheduleDb(db).selectFrom('strata.schedule_state').selectAll().where('name', '=', name).executeTakeFirst();
  return row === undefined ? undefined : toScheduleState(row);
}

export async function listScheduleStates(db: Kysely<Database>): Promise<ScheduleState[]> {
  const rows = await scheduleDb(db).selectFrom('strata.schedule_state').selectAll().orderBy('name').execute();
  return rows.map(toScheduleState);
}

/** Turns a schedule on or off (stored, so every daemon sees it). The cursor is left as it is. */
export async function setScheduleEnabled(db: Kysely<Database>, name: string, enabled: boolean, at: Date = new Date()): Promise<ScheduleState> {
  const row = await scheduleDb(db)
    .insertInto('strata.schedule_state')
    .values({ name, enabled, updated_at: at })
    .onConflict((oc) => oc.column('name').doUpdateSet({ enabled, updated_at: at }))
    .returningAll()
    .executeTakeFirstOrThrow();
  return toScheduleState(row);
}

/**
 * The stored state of each schedule, creating it (on, cursor NULL) where there is none yet:
 * one read when they all exist (every round but the first), else one insert and one more read.
 */
export async function ensureScheduleStates(db: Kysely<Database>, names: readonly string[]): Promise<Map<string, ScheduleState>> {
  if (names.length === 0) return new Map();
  const sdb = scheduleDb(db);
  const read = async (wanted: readonly string[]) =>
    (await sdb.selectFrom('strata.schedule_state').selectAll().where('name', '=', sql<string>`ANY(${[...wanted]}::text[])`).execute()).map(toScheduleState);
  const states = new Map((await read(names)).map((state) => [state.name, state]));
  const missing = names.filter((name) => !states.has(name));
  if (missing.length === 0) return states;
  await sdb
    .insertInto('strata.schedule_state')
    .columns(['name'])
    .expression(sql<{ name: string }>`SELECT unnest(${missing}::text[])`)
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  for (const state of await read(missing)) states.set(state.name, state);
  return states;
}

export interface CursorMove {
  readonly name: string;
  readonly from: Date | null;
  readonly to: Date;
}

/**
 * Moves each cursor from `from` to `to` if nobody moved it first (compare-and-set), in one
 * statement; returns the names this call moved. A schedule not returned was moved by another
 * evaluator: its ticks are then stored by one of the two, never twice.
 */
export async function advanceScheduleCursors(db: Kysely<Database>, moves: readonly CursorMove[], at: Date = new Date()): Promise<Set<string>> {
  if (moves.length === 0) return new Set();
  // Name order: two daemons lock the rows in the same order, so they wait for each other instead of deadlocking.
  const sorted = [...moves].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const { rows } = await sql<{ name: string }>`
    UPDATE strata.schedule_state s SET cursor = m.to_at, updated_at = ${at}
    FROM unnest(${sorted.map((m) => m.name)}::text[], ${sorted.map((m) => m.from?.toISOString() ?? null)}::timestamptz[], ${sorted.map((m) => m.to.toISOString())}::timestamptz[])
      AS m (name, from_at, to_at)
    WHERE s.name = m.name AND s.cursor IS NOT DISTINCT FROM m.from_at
    RETURNING s.name`.execute(db);
  return new Set(rows.map((row) => row.name));
}
