/**
 * A small automated graph over a test database, for evaluator tests: `bronze/a` (a source, no
 * condition) → `silver/b` (eager) → `gold/c` (eager), six-hourly, plus whatever a test adds.
 * Runs execute in this process through the real executor, on a ManualClock the test moves.
 */
import { sql } from 'kysely';
import { defineAsset, type AnyAsset } from '../../../src/core/asset.js';
import { automation } from '../../../src/core/automation/condition.js';
import type { ManualClock } from '../../../src/core/clock.js';
import { sixHourlyPartitions } from '../../../src/core/partitions.js';
import { materialize, type RunRequest } from '../../../src/daemon/execute-run.js';
import type { Runtime } from '../../../src/runtime.js';
import { claimRuns, type StrataDatabase } from '../../../src/storage/index.js';
import { executeStoredRun } from '../../../src/daemon/execute-run.js';
import { testRuntime } from '../queue-harness.js';

/** Assets whose key is in `failing` throw. */
export function chainAssets(failing: Set<string> = new Set()): AnyAsset[] {
  const step = (key: string) => async () => {
    if (failing.has(key)) throw new Error(`${key} broke`);
    return { value: { key } };
  };
  const a = defineAsset({ key: 'bronze/a', layer: 'bronze', description: 'source', partitions: sixHourlyPartitions, materialize: step('bronze/a') });
  const b = defineAsset({ key: 'silver/b', layer: 'silver', description: 'b', partitions: sixHourlyPartitions, deps: { a }, automation: automation.eager(), materialize: step('silver/b') });
  const c = defineAsset({ key: 'gold/c', layer: 'gold', description: 'c', partitions: sixHourlyPartitions, deps: { b }, automation: automation.eager(), materialize: step('gold/c') });
  return [a, b, c];
}

export function automationRuntime(database: StrataDatabase, clock: ManualClock, assets: readonly AnyAsset[]): Runtime {
  return { ...testRuntime(database, { assets, clock }), clock };
}

/** Runs `request` to its end in this process. */
export async function run(runtime: Runtime, request: RunRequest): Promise<string> {
  const { run: stored } = await materialize(runtime, request);
  return stored.id;
}

/** Claims and executes every queued run, oldest first (a worker's job). */
export async function executeQueued(runtime: Runtime): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const [claimed] = await claimRuns(runtime.database.db, { workerId: 'test-worker', max: 1, maxConcurrentRuns: 10, at: runtime.clock.now() });
    if (claimed === undefined) return ids;
    await executeStoredRun(runtime, claimed, undefined, { workerId: 'test-worker' });
    ids.push(claimed.id);
  }
}

export interface StoredResult {
  asset_key: string;
  partition_key: string;
  value: boolean;
  reason: string;
  run_id: string | null;
}

export async function currentResult(db: StrataDatabase['db'], assetKey: string, partitionKey: string): Promise<StoredResult | undefined> {
  const rows = await sql<StoredResult>`SELECT asset_key, partition_key, value, reason, requested_run AS run_id FROM strata.automation_partitions
    WHERE asset_key = ${assetKey} AND partition_key = ${partitionKey}`.execute(db);
  return rows.rows[0];
}

export async function resultHistory(db: StrataDatabase['db'], assetKey: string): Promise<StoredResult[]> {
  const rows = await sql<StoredResult>`SELECT asset_key, partition_key, value, reason, run_id FROM strata.automation_results WHERE asset_key = ${assetKey} ORDER BY id`.execute(db);
  return rows.rows;
}

export async function automationRuns(db: StrataDatabase['db']): Promise<{ id: string; selection: string; partition_key: string | null; run_key: string; status: string }[]> {
  const rows = await sql<{ id: string; selection: string; partition_key: string | null; run_key: string; status: string }>`
    SELECT id, selection, partition_key, run_key, status FROM strata.runs WHERE trigger = 'automation' ORDER BY created_at, id`.execute(db);
  return rows.rows;
}
