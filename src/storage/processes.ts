/**
 * Daemons and workers report themselves here: a heartbeated row per process, and the last
 * result of each of its background loops, so `strata status` can show who is alive and what
 * last went wrong without reading any process's logs.
 */
import { type Kysely, type RawBuilder, type Selectable, sql } from 'kysely';
import type { Database, LoopStatus, ProcessesTable } from './schema.js';

export type ProcessKind = ProcessesTable['kind'];

export interface ProcessInfo {
  readonly id: string;
  readonly kind: ProcessKind;
  readonly hostname: string;
  readonly pid: number;
  readonly startedAt: Date;
  readonly heartbeatAt: Date;
  readonly stoppedAt: Date | null;
  readonly loops: Readonly<Record<string, LoopStatus>>;
}

function toProcessInfo(row: Selectable<ProcessesTable>): ProcessInfo {
  return {
    id: row.id,
    kind: row.kind,
    hostname: row.hostname,
    pid: row.pid,
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
    stoppedAt: row.stopped_at,
    loops: row.loops,
  };
}

/** Inserts the process, or restarts the row of a process with the same id. */
export async function registerProcess(
  db: Kysely<Database>,
  process: { id: string; kind: ProcessKind; hostname: string; pid: number; at: Date },
): Promise<void> {
  const row = { id: process.id, kind: process.kind, hostname: process.hostname, pid: process.pid, started_at: process.at, heartbeat_at: process.at };
  await db
    .insertInto('strata.processes')
    .values(row)
    .onConflict((oc) => oc.column('id').doUpdateSet({ ...row, stopped_at: null, loops: '{}' }))
    .execute();
}

export async function heartbeatProcess(db: Kysely<Database>, processId: string, at: Date): Promise<void> {
  await db.updateTable('strata.processes').set({ heartbeat_at: at }).where('id', '=', processId).execute();
}

export async function markProcessStopped(db: Kysely<Database>, processId: string, at: Date): Promise<void> {
  await db.updateTable('strata.processes').set({ stopped_at: at, heartbeat_at: at }).where('id', '=', processId).execute();
}

/**
 * Records one iteration of a background loop: `last_run_at` always; with an error, also
 * `last_error`, `last_error_at` and `error_count + 1` (an earlier error stays until the next).
 *
 * @example
 * try { await tick(); await recordLoopResult(db, processId, 'scheduler'); }
 * catch (error) { logger.error({ err: error }, 'scheduler tick failed'); await recordLoopResult(db, processId, 'scheduler', error); }
 */
export async function recordLoopResult(
  db: Kysely<Database>,
  processId: string,
  loopName: string,
  error?: unknown,
  at: Date = new Date(),
): Promise<void> {
  const previous = sql<Record<string, unknown>>`coalesce(loops -> ${loopName}, '{"last_error": null, "last_error_at": null, "error_count": 0}'::jsonb)`;
  const change =
    error === undefined
      ? sql`jsonb_build_object('last_run_at', ${at.toISOString()}::text)`
      : sql`jsonb_build_object('last_run_at', ${at.toISOString()}::text, 'last_error', ${describe(error)}::text,
          'last_error_at', ${at.toISOString()}::text, 'error_count', coalesce((loops -> ${loopName} ->> 'error_count')::int, 0) + 1)`;
  await db
    .updateTable('strata.processes')
    .set({ loops: sql<string>`loops || jsonb_build_object(${loopName}::text, ${previous} || ${change})` })
    .where('id', '=', processId)
    .execute();
}

/**
 * Records the outcome of a definitions reload as the loop `definitions`: unlike other loops, a
 * success clears the error, because it says what the process serves now (the last good
 * definitions while `last_error` is set).
 */
export async function recordDefinitionsReload(db: Kysely<Database>, processId: string, error: unknown, at: Date): Promise<void> {
  const state =
    error === undefined
      ? sql`jsonb_build_object('last_run_at', ${at.toISOString()}::text, 'last_error', null, 'last_error_at', null, 'error_count', 0)`
      : sql`jsonb_build_object('last_run_at', ${at.toISOString()}::text, 'last_error', ${describe(error)}::text,
          'last_error_at', ${at.toISOString()}::text, 'error_count', coalesce((loops -> 'definitions' ->> 'error_count')::int, 0) + 1)`;
  await db
    .updateTable('strata.processes')
    .set({ loops: sql<string>`loops || jsonb_build_object('definitions'::text, ${state})` })
    .where('id', '=', processId)
    .execute();
}

/**
 * True when the process named by `holderColumn` (a qualified column holding a process id) has
 * stopped or not beaten since `silentSince`: what frees a claim or lease it held. A holder with no
 * process row (a test, a tool) is not gone; its claim holds until it expires.
 */
export function processGone(holderColumn: string, silentSince: Date): RawBuilder<boolean> {
  return sql<boolean>`EXISTS (SELECT 1 FROM strata.processes p WHERE p.id = ${sql.ref(holderColumn)} AND (p.stopped_at IS NOT NULL OR p.heartbeat_at < ${silentSince}))`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Processes that have not stopped, most recently heartbeated first. */
export async function listProcesses(db: Kysely<Database>, options: { includeStopped?: boolean } = {}): Promise<ProcessInfo[]> {
  const rows = await db
    .selectFrom('strata.processes')
    .selectAll()
    .$if(!options.includeStopped, (qb) => qb.where('stopped_at', 'is', null))
    .orderBy('heartbeat_at', 'desc')
    .execute();
  return rows.map(toProcessInfo);
}
