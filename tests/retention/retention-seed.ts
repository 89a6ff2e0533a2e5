/**
 * Rows the retention tests put on both sides of the cut-off, written directly (not through the
 * run lifecycle) so each one has exactly the timestamps a test needs.
 */
import { sql } from 'kysely';
import type { RunStatus } from '../../src/core/types.js';
import { backfillDb } from '../../src/storage/backfills.js';
import { scheduleDb } from '../../src/storage/schedule-tables.js';
import type { StrataDatabase } from '../../src/storage/index.js';

export interface SeedRun {
  readonly status: RunStatus;
  readonly createdAt: Date;
  readonly endedAt?: Date | null;
  readonly partitionKey?: string | null;
  readonly parentRunId?: string | null;
  readonly backfillId?: string | null;
}

/** Empties every table retention touches (and the ones that reference them). */
export async function truncateAll(database: StrataDatabase): Promise<void> {
  await sql`TRUNCATE strata.run_assets, strata.check_results, strata.materializations, strata.events, strata.steps, strata.ticks, strata.runs, strata.backfills, strata.processes, strata.automation_results, strata.automation_evaluations, strata.automation_partitions, strata.automation_changes, strata.pool_slots`.execute(database.db);
}

/** A run with two steps and three events (`log`, `step:succeeded`, `run:succeeded`); returns its id. */
export async function seedRun(database: StrataDatabase, run: SeedRun): Promise<string> {
  const { db } = database;
  const at = run.endedAt ?? run.createdAt;
  const { id } = await backfillDb(db)
    .insertInto('strata.runs')
    .values({
      status: run.status,
      trigger: 'manual',
      selection: '*',
      partition_key: run.partitionKey ?? null,
      parent_run_id: run.parentRunId ?? null,
      backfill_id: run.backfillId ?? null,
      created_at: run.createdAt,
      ended_at: run.endedAt ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('strata.steps')
    .values([
      { run_id: id, asset_key: 'bronze/raw', partition_key: '', status: 'SUCCESS' },
      { run_id: id, asset_key: 'silver/clean', partition_key: '', status: 'SUCCESS' },
    ])
    .execute();
  await db
    .insertInto('strata.events')
    .values(['log', 'step:succeeded', 'run:succeeded'].map((type) => ({ run_id: id, type, at, payload: '{}' })))
    .execute();
  return id;
}

/** Records `runId` as the producer of the latest materialization of `assetKey` (with its event). */
export async function seedMaterialization(database: StrataDatabase, runId: string, assetKey: string, at: Date): Promise<void> {
  const { db } = database;
  const event = await db
    .insertInto('strata.events')
    .values({ run_id: runId, type: 'asset:materialized', at, asset_key: assetKey, payload: '{}' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('strata.materializations')
    .values({ asset_key: assetKey, partition_key: '', run_id: runId, event_id: event.id, materialized_at: at, value: JSON.stringify({ rows: 42 }) })
    .execute();
}

export async function seedTick(database: StrataDatabase, tickAt: Date, runId: string | null = null): Promise<number> {
  const row = await scheduleDb(database.db)
    .insertInto('strata.ticks')
    .values({ schedule_name: 'every_6_hours', tick_at: tickAt, evaluated_at: tickAt, status: 'SUCCESS', run_id: runId, reason: null, error: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function seedProcess(database: StrataDatabase, id: string, heartbeatAt: Date, stoppedAt: Date | null): Promise<void> {
  await database.db
    .insertInto('strata.processes')
    .values({ id, kind: 'daemon', hostname: 'test', pid: 1, started_at: heartbeatAt, heartbeat_at: heartbeatAt, stopped_at: stoppedAt })
    .execute();
}

export async function seedBackfill(database: StrataDatabase, createdAt: Date): Promise<string> {
  const row = await backfillDb(database.db)
    .insertInto('strata.backfills')
    .values({
      selection: '*',
      partitions_kind: 'six_hourly',
      partition_from: '2026-01-01T00:00Z',
      partition_to: '2026-01-01T18:00Z',
      partitions_total: 4,
      skipped: '[]',
      created_at: createdAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function ids(database: StrataDatabase, table: 'strata.runs' | 'strata.processes'): Promise<string[]> {
  const rows = await database.db.selectFrom(table).select('id').execute();
  return rows.map((row) => row.id).sort();
}

export async function countRows(database: StrataDatabase, table: string, where = 'true'): Promise<number> {
  const result = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.raw(table)} WHERE ${sql.raw(where)}`.execute(database.db);
  return result.rows[0]?.n ?? 0;
}
