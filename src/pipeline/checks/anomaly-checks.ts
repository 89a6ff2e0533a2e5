/**
 * Anomaly checks (severity warn): a measure of each materialization (row count, duration, the
 * snapshot's total market cap and volume) against the rolling median and MAD of the same check's
 * last values, which each evaluation stores as `metadata.value` in strata.check_results. An
 * outlier warns with the expected range in its metadata; it never blocks a run. While fewer than
 * `minSamples` values exist, the check passes and says it is learning.
 */
import { type AnomalyOptions, assessAnomaly } from '../../index.js';
import { type AssetCheck, type CheckContext, defineCheck } from '../../index.js';
import { recentCheckValues } from '../../index.js';
import type { SilverOutput } from '../silver/silver-output.js';
import { firstRow, sql } from './check-sql.js';

/** How many recent values make the history. */
export const ANOMALY_WINDOW = 30;

interface AnomalyCheckSpec<T> {
  readonly name: string;
  readonly description: string;
  /** Names the measure in messages. */
  readonly label: string;
  readonly options?: AnomalyOptions;
  /** Undefined: nothing to measure this time (the check passes and records no value). */
  measure(ctx: CheckContext<T>): Promise<number | undefined> | number | undefined;
}

export function defineAnomalyCheck<T>(spec: AnomalyCheckSpec<T>): AssetCheck<T> {
  return defineCheck<T>({
    name: spec.name,
    severity: 'warn',
    description: spec.description,
    async evaluate(ctx) {
      const value = await spec.measure(ctx);
      if (value === undefined || !Number.isFinite(value)) return { passed: true, message: `${spec.label}: nothing measured` };
      const history = await recentCheckValues(ctx.resources.database.db, ctx.assetKey, spec.name, ANOMALY_WINDOW);
      return assessAnomaly(spec.label, value, history, spec.options);
    },
  });
}

export const rowCountAnomaly = defineAnomalyCheck<unknown>({
  name: 'row_count_anomaly',
  label: 'rows',
  description: `Row count within the rolling median ± 3.5 MAD of the last ${ANOMALY_WINDOW} materializations.`,
  measure: ({ metadata }) => (typeof metadata.rows === 'number' ? metadata.rows : undefined),
});

export const durationAnomaly = defineAnomalyCheck<unknown>({
  name: 'duration_anomaly',
  label: 'duration (ms)',
  description: `Materialization time within the rolling median ± 3.5 MAD of the last ${ANOMALY_WINDOW} (at least ±1 s: small steps jitter).`,
  options: { minAbsoluteSpread: 1000 / 3.5 },
  measure: ({ durationMs }) => durationMs,
});

/** The measures every asset of the pipeline is watched on. */
export const ANOMALY_CHECKS: readonly AssetCheck<unknown>[] = [rowCountAnomaly, durationAnomaly];

/** The snapshot's sum of one column, as a float (anomalies need no exact decimals). */
async function snapshotTotal(ctx: CheckContext<SilverOutput>, column: 'market_cap' | 'total_volume'): Promise<number | undefined> {
  const row = await firstRow(
    ctx.resources,
    sql<{ total: string | null }>`SELECT sum(${sql.ref(column)})::float8::text AS total FROM silver.market_snapshots WHERE snapshot_at = ${ctx.value.snapshotAt}::timestamptz`,
  );
  return row.total === null ? undefined : Number(row.total);
}

export const totalMarketCapAnomaly = defineAnomalyCheck<SilverOutput>({
  name: 'total_market_cap_anomaly',
  label: 'total market cap (USD)',
  description: `The snapshot's total market cap within the rolling median ± 3.5 MAD of the last ${ANOMALY_WINDOW} snapshots.`,
  measure: (ctx) => snapshotTotal(ctx, 'market_cap'),
});

export const totalVolumeAnomaly = defineAnomalyCheck<SilverOutput>({
  name: 'total_volume_anomaly',
  label: 'total 24 h volume (USD)',
  description: `The snapshot's total 24 h volume within the rolling median ± 3.5 MAD of the last ${ANOMALY_WINDOW} snapshots.`,
  measure: (ctx) => snapshotTotal(ctx, 'total_volume'),
});
