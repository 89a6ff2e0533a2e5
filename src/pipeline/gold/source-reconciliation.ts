/**
 * gold/source_reconciliation: per unified coin and six-hourly snapshot, each source's price, the
 * spread between the highest and the lowest, and a flag above STRATA_RECONCILIATION_THRESHOLD_PCT.
 * Built from silver.market_quotes, so every source that lands quotes in the window takes part:
 * the silver assets it depends on (one per configured source) and any imported CSV.
 */
import { defineAsset, type AnyAsset } from '../../index.js';
import { defineCheck } from '../../index.js';
import { sixHourlyPartitions } from '../../index.js';
import { requirePartition } from '../bronze/require-partition.js';
import { firstRow, sql } from '../checks/check-sql.js';
import { ANOMALY_CHECKS } from '../checks/anomaly-checks.js';
import { GOLD_FRESHNESS } from '../freshness.js';
import { GoldOutputSchema, type GoldOutput } from './gold-output.js';
import { rebuildSnapshot } from './rebuild-snapshot.js';

/** Warns (never blocks) when a coin's sources disagree by more than the threshold, naming the worst. */
export const spreadsWithinThreshold = defineCheck<GoldOutput>({
  name: 'spreads_within_threshold',
  severity: 'warn',
  description: "No coin's price differs between sources by more than the reconciliation threshold.",
  async evaluate({ value, resources }) {
    const row = await firstRow(
      resources,
      sql<{ flagged: number; compared: number; worst: string | null }>`SELECT
          count(*) FILTER (WHERE flagged)::int AS flagged,
          count(*) FILTER (WHERE source_count > 1)::int AS compared,
          string_agg(coin_id || ' ' || round(spread_pct, 2) || '%', ', ' ORDER BY spread_pct DESC) FILTER (WHERE flagged) AS worst
        FROM gold.source_reconciliation WHERE snapshot_at = ${value.snapshotAt}::timestamptz`,
    );
    const worst = row.worst?.split(', ').slice(0, 5).join(', ') ?? '';
    return {
      passed: row.flagged === 0,
      message: row.flagged === 0 ? `${row.compared} coins compared, none above the threshold` : `${row.flagged} of ${row.compared} coins above the threshold: ${worst}`,
      metadata: { flagged: row.flagged, compared: row.compared, worst },
    };
  },
});

/** `quoteAssets`: the silver asset of each configured source (silver/market_snapshots for CoinGecko). */
export function defineSourceReconciliation(quoteAssets: readonly AnyAsset[]) {
  return defineAsset({
    key: 'gold/source_reconciliation',
    layer: 'gold',
    group: 'marts',
    description: "Per coin and snapshot: each source's price, the relative spread (max − min) / min, and a flag above the threshold.",
    deps: Object.fromEntries(quoteAssets.map((asset) => [asset.name, asset])) as Record<string, AnyAsset>,
    partitions: sixHourlyPartitions,
    freshness: GOLD_FRESHNESS,
    output: GoldOutputSchema,
    checks: [spreadsWithinThreshold, ...ANOMALY_CHECKS],
    async materialize(ctx) {
      const partition = requirePartition(ctx);
      const snapshotAt = partition.start.toISOString();
      const threshold = ctx.resources.settings.reconciliationThresholdPct;
      const rows = await rebuildSnapshot(ctx.resources.database.withSession, 'gold.source_reconciliation', 'gold/source_reconciliation.sql', [
        snapshotAt,
        partition.end.toISOString(),
        threshold,
      ]);
      return { value: { snapshotAt, rows }, metadata: { rows, threshold_pct: threshold } };
    },
  });
}
