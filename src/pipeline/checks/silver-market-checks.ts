/** Checks of silver/market_snapshots, on the rows of the snapshot just loaded. */
import { defineCheck } from '../../index.js';
import type { SilverOutput } from '../silver/silver-output.js';
import type { RawBuilder } from 'kysely';
import type { Resources } from '../../index.js';
import { firstRow, sql } from './check-sql.js';
import { ANOMALY_CHECKS, totalMarketCapAnomaly, totalVolumeAnomaly } from './anomaly-checks.js';

const EXAMPLES = 5;
/** How far `last_updated` may be from the snapshot time. */
export const LAST_UPDATED_MAX_AGE_HOURS = 24;

interface Offenders {
  n: number;
  examples: string | null;
}

/** Rows of the snapshot matching `condition`: how many, and the first few coin ids. */
function offenders(resources: Resources, snapshotAt: string, condition: RawBuilder<unknown>): Promise<Offenders> {
  return firstRow(
    resources,
    sql<Offenders>`SELECT count(*)::int AS n, (array_agg(coin_id ORDER BY coin_id))[1:${sql.lit(EXAMPLES)}]::text AS examples
      FROM silver.market_snapshots
      WHERE snapshot_at = ${snapshotAt}::timestamptz AND (${condition})`,
  );
}

export const silverPrimaryKeyUnique = defineCheck<SilverOutput>({
  name: 'primary_key_unique',
  severity: 'error',
  description: 'At most one row per coin in the snapshot.',
  async evaluate({ value, resources }) {
    const row = await firstRow(
      resources,
      sql<Offenders>`SELECT count(*)::int AS n, string_agg(coin_id, ', ' ORDER BY coin_id) AS examples FROM (
        SELECT coin_id FROM silver.market_snapshots WHERE snapshot_at = ${value.snapshotAt}::timestamptz
        GROUP BY coin_id HAVING count(*) > 1) d`,
    );
    return { passed: row.n === 0, message: `${row.n} duplicated coin ids`, metadata: { duplicated: row.n, examples: row.examples } };
  },
});

export const silverNonNegative = defineCheck<SilverOutput>({
  name: 'non_negative_values',
  severity: 'error',
  description: 'Prices, market caps and volumes are never negative.',
  async evaluate({ value, resources }) {
    const row = await offenders(
      resources,
      value.snapshotAt,
      sql`current_price < 0 OR high_24h < 0 OR low_24h < 0 OR ath < 0 OR atl < 0
        OR market_cap < 0 OR fully_diluted_valuation < 0 OR total_volume < 0`,
    );
    return { passed: row.n === 0, message: `${row.n} rows with a negative price, market cap or volume`, metadata: { rows: row.n, examples: row.examples } };
  },
});

export const silverPriceInDayRange = defineCheck<SilverOutput>({
  name: 'price_within_24h_range',
  severity: 'warn',
  description: 'current_price inside [low_24h, high_24h]; real data breaks this for stablecoins, so it only warns.',
  async evaluate({ value, resources }) {
    const row = await offenders(resources, value.snapshotAt, sql`current_price < low_24h OR current_price > high_24h`);
    return { passed: row.n === 0, message: `${row.n} rows priced outside their 24h range`, metadata: { rows: row.n, examples: row.examples } };
  },
});

export const silverQuarantineRatio = defineCheck<SilverOutput>({
  name: 'quarantine_ratio',
  severity: 'error',
  description: "Quarantined rows are at most settings.maxQuarantinePct (STRATA_MAX_QUARANTINE_PCT, default 1) percent of the partition's bronze rows.",
  async evaluate({ value, resources, assetKey, partition }) {
    const row = await firstRow(
      resources,
      sql<{ loaded: number; quarantined: number }>`SELECT
        (SELECT count(*)::int FROM silver.market_snapshots WHERE snapshot_at = ${value.snapshotAt}::timestamptz) AS loaded,
        (SELECT count(*)::int FROM silver.quarantine WHERE asset_key = ${assetKey} AND partition_key = ${partition?.key ?? ''}) AS quarantined`,
    );
    const total = row.loaded + row.quarantined;
    const pct = total === 0 ? 0 : (row.quarantined / total) * 100;
    const limit = resources.settings.maxQuarantinePct;
    return {
      passed: pct <= limit,
      message: `${row.quarantined} of ${total} rows quarantined (${pct.toFixed(2)}%, limit ${limit}%)`,
      metadata: { quarantined: row.quarantined, rows: total, pct, limit_pct: limit },
    };
  },
});

export const silverLastUpdatedFresh = defineCheck<SilverOutput>({
  name: 'last_updated_fresh',
  severity: 'warn',
  description: `last_updated within ${LAST_UPDATED_MAX_AGE_HOURS} h of the snapshot time.`,
  async evaluate({ value, resources }) {
    const row = await offenders(
      resources,
      value.snapshotAt,
      sql`last_updated IS NULL OR abs(extract(epoch FROM last_updated - snapshot_at)) > ${sql.lit(LAST_UPDATED_MAX_AGE_HOURS * 3600)}`,
    );
    return { passed: row.n === 0, message: `${row.n} rows not updated within ${LAST_UPDATED_MAX_AGE_HOURS} h of the snapshot`, metadata: { rows: row.n, examples: row.examples } };
  },
});

export const SILVER_MARKET_CHECKS = [
  silverPrimaryKeyUnique,
  silverNonNegative,
  silverPriceInDayRange,
  silverQuarantineRatio,
  silverLastUpdatedFresh,
  ...ANOMALY_CHECKS,
  totalMarketCapAnomaly,
  totalVolumeAnomaly,
];
