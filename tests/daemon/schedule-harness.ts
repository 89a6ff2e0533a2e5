/**
 * What the schedule tests share: a runtime (openRuntime, as the daemon builds it) over a test
 * database with a small no-op graph, and the queries that count ticks and runs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.js';
import { defineAsset } from '../../src/core/asset.js';
import { buildGraph, type AssetGraph } from '../../src/core/graph.js';
import { dailyPartitions, sixHourlyPartitions } from '../../src/core/partitions.js';
import type { Clock } from '../../src/core/types.js';
import { createLogger } from '../../src/logger.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import type { StrataDatabase } from '../../src/storage/index.js';

/** bronze/raw and silver/clean every six hours, gold/daily_report per day: enough for selections and partitions. */
export function testGraph(): AssetGraph {
  const raw = defineAsset({ key: 'bronze/raw', layer: 'bronze', description: 'raw', partitions: sixHourlyPartitions, materialize: async () => ({ value: 'raw' }) });
  const clean = defineAsset({
    key: 'silver/clean',
    layer: 'silver',
    description: 'clean',
    partitions: sixHourlyPartitions,
    deps: { raw },
    materialize: async () => ({ value: 'clean' }),
  });
  const report = defineAsset({ key: 'gold/daily_report', layer: 'gold', description: 'daily', partitions: dailyPartitions, materialize: async () => ({ value: 'report' }) });
  return buildGraph([raw, clean, report]);
}

export interface ScheduleTestRuntime {
  readonly runtime: Runtime;
  /** Removes the data directory; never closes the database (the test owns it). */
  stop(): Promise<void>;
}

export async function openScheduleRuntime(database: StrataDatabase, clock: Clock, graph: AssetGraph = testGraph()): Promise<ScheduleTestRuntime> {
  const dataDir = await mkdtemp(join(tmpdir(), 'strata-schedule-'));
  const config = loadConfig({ STRATA_DATA_DIR: dataDir });
  const runtime = await openRuntime(config, createLogger({ level: 'silent', pretty: false }), { database, clock });
  return {
    runtime: { ...runtime, graph },
    stop: () => rm(dataDir, { recursive: true, force: true }),
  };
}

export interface StoredTickRow {
  readonly scheduleName: string;
  readonly tickAt: string;
  readonly status: string;
  readonly runId: string | null;
  readonly reason: string | null;
}

export async function storedTicks(database: StrataDatabase, scheduleName: string): Promise<StoredTickRow[]> {
  const result = await sql<StoredTickRow>`
    SELECT schedule_name AS "scheduleName", to_char(tick_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "tickAt",
           status, run_id AS "runId", reason
    FROM strata.ticks WHERE schedule_name = ${scheduleName} ORDER BY tick_at`.execute(database.db);
  return result.rows;
}

export interface StoredRunRow {
  readonly runKey: string;
  readonly partitionKey: string | null;
  readonly selection: string;
  readonly trigger: string;
  readonly tags: Record<string, string>;
}

export async function scheduledRuns(database: StrataDatabase, scheduleName: string): Promise<StoredRunRow[]> {
  const result = await sql<StoredRunRow>`
    SELECT run_key AS "runKey", partition_key AS "partitionKey", selection, trigger, tags
    FROM strata.runs WHERE run_key LIKE ${`schedule:${scheduleName}:%`} ORDER BY run_key`.execute(database.db);
  return result.rows;
}
