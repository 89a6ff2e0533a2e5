/**
 * "Why did / why didn't this run": an asset's automation condition, each evaluated partition's
 * current result and reason with the run automation last requested, and the recent changes of
 * those results; and the daemon's recent evaluations.
 */
import type { Runtime } from '../../runtime.js';
import { automationDb } from '../../storage/automation-tables.js';
import { requireAsset } from './assets.js';

export interface AutomationPartitionView {
  /** null for an unpartitioned asset. */
  readonly partitionKey: string | null;
  readonly value: boolean;
  readonly reason: string;
  /** When the result last changed. */
  readonly changedAt: Date | null;
  readonly trueSince: Date | null;
  readonly requestedAt: Date | null;
  readonly requestedRunId: string | null;
  readonly materializedAt: Date | null;
}

export interface AutomationHistoryEntry {
  readonly evaluationId: number;
  readonly partitionKey: string | null;
  readonly value: boolean;
  readonly reason: string;
  /** The run this evaluation requested for the partition, if it did. */
  readonly runId: string | null;
  readonly evaluatedAt: Date;
}

export interface AssetAutomation {
  readonly assetKey: string;
  /** The condition's label (`eager()`); null when the asset has none. */
  readonly condition: string | null;
  /** Newest partitions first. */
  readonly partitions: readonly AutomationPartitionView[];
  /** Newest first. */
  readonly history: readonly AutomationHistoryEntry[];
}

export interface AutomationEvaluationView {
  readonly id: number;
  readonly processId: string | null;
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly changesRead: number;
  readonly partitionsEvaluated: number;
  readonly partitionsChanged: number;
  readonly runIds: readonly string[];
}

const keyOrNull = (key: string): string | null => (key === '' ? null : key);

export async function assetAutomation(runtime: Runtime, key: string, limits: { partitions: number; history: number }): Promise<AssetAutomation> {
  const asset = requireAsset(runtime, key);
  const condition = asset.automation?.label ?? null;
  const adb = automationDb(runtime.database.db);
  const partitions =
    condition === null
      ? []
      : await adb
          .selectFrom('strata.automation_partitions')
          .selectAll()
          .where('asset_key', '=', key)
          .where('condition', '=', condition)
          .orderBy('partition_key', 'desc')
          .limit(limits.partitions)
          .execute();
  const history = await adb
    .selectFrom('strata.automation_results')
    .selectAll()
    .where('asset_key', '=', key)
    .orderBy('id', 'desc')
    .limit(limits.history)
    .execute();
  return {
    assetKey: key,
    condition,
    partitions: partitions.map((row) => ({
      partitionKey: keyOrNull(row.partition_key),
      value: row.value === true,
      reason: row.reason ?? '',
      changedAt: row.changed_at,
      trueSince: row.true_since,
      requestedAt: row.requested_at,
      requestedRunId: row.requested_run,
      materializedAt: row.materialized_at,
    })),
    history: history.map((row) => ({
      evaluationId: Number(row.evaluation_id),
      partitionKey: keyOrNull(row.partition_key),
      value: row.value,
      reason: row.reason,
      runId: row.run_id,
      evaluatedAt: row.evaluated_at,
    })),
  };
}

export async function automationEvaluations(runtime: Runtime, limit: number): Promise<AutomationEvaluationView[]> {
  const rows = await automationDb(runtime.database.db).selectFrom('strata.automation_evaluations').selectAll().orderBy('id', 'desc').limit(limit).execute();
  return rows.map((row) => ({
    id: Number(row.id),
    processId: row.process_id,
    startedAt: row.started_at,
    durationMs: row.duration_ms,
    changesRead: row.changes_read,
    partitionsEvaluated: row.partitions_evaluated,
    partitionsChanged: row.partitions_changed,
    runIds: row.run_ids,
  }));
}
