/** Checks of the six-hourly gold marts, against the silver snapshot they were built from. */
import { defineCheck } from '../../index.js';
import type { GoldOutput } from '../gold/gold-output.js';
import { firstRow, sql } from './check-sql.js';

export const segmentsSumToTotal = defineCheck<GoldOutput>({
  name: 'segments_sum_to_total',
  severity: 'error',
  description: "The segments' market caps add up exactly (NUMERIC) to the snapshot's silver total.",
  async evaluate({ value, resources }) {
    const row = await firstRow(
      resources,
      sql<{ segments: string | null; silver: string | null; equal: boolean }>`SELECT s.total AS segments, t.total AS silver, s.total IS NOT DISTINCT FROM t.total AS equal
        FROM (SELECT sum(total_market_cap) AS total FROM gold.market_segment_analysis WHERE snapshot_at = ${value.snapshotAt}::timestamptz) s,
             (SELECT sum(market_cap) AS total FROM silver.market_snapshots WHERE snapshot_at = ${value.snapshotAt}::timestamptz) t`,
    );
    return { passed: row.equal, message: `segments ${row.segments ?? 'null'}, silver ${row.silver ?? 'null'}`, metadata: { segments: row.segments, silver: row.silver } };
  },
});

export const dominanceInRange = defineCheck<GoldOutput>({
  name: 'dominance_in_range',
  severity: 'error',
  description: 'Every market_dominance_pct within [0, 100]; summing to at most 100 when computed over the snapshot itself.',
  async evaluate({ value, resources }) {
    const row = await firstRow(
      resources,
      sql<{ out_of_range: number; total: string | null; over: boolean; basis: string | null }>`SELECT
          count(*) FILTER (WHERE market_dominance_pct < 0 OR market_dominance_pct > 100)::int AS out_of_range,
          sum(market_dominance_pct)::text AS total,
          coalesce(sum(market_dominance_pct) > 100 AND bool_and(dominance_basis = 'snapshot_sum'), false) AS over,
          min(dominance_basis) AS basis
        FROM gold.crypto_analytics_mart WHERE snapshot_at = ${value.snapshotAt}::timestamptz`,
    );
    return {
      passed: row.out_of_range === 0 && !row.over,
      message: `${row.out_of_range} rows outside [0, 100]; sum ${row.total ?? 'null'} (basis ${row.basis ?? 'none'})`,
      metadata: { out_of_range: row.out_of_range, sum: row.total, basis: row.basis },
    };
  },
});

/**
 * Over the /global total the sum can pass 100 without a bug: /global and /coins/markets are
 * fetched at different moments (the fake serves them from different dates), so this only warns.
 */
export const dominanceSumAtMost100 = defineCheck<GoldOutput>({
  name: 'dominance_sum_at_most_100',
  severity: 'warn',
  description: "The top N's dominance percentages sum to at most 100, whatever the basis.",
  async evaluate({ value, resources }) {
    const row = await firstRow(
      resources,
      sql<{ total: string | null; over: boolean; basis: string | null }>`SELECT sum(market_dominance_pct)::text AS total,
          coalesce(sum(market_dominance_pct) > 100, false) AS over, min(dominance_basis) AS basis
        FROM gold.crypto_analytics_mart WHERE snapshot_at = ${value.snapshotAt}::timestamptz`,
    );
    return { passed: !row.over, message: `sum ${row.total ?? 'null'} (basis ${row.basis ?? 'none'})`, metadata: { sum: row.total, basis: row.basis } };
  },
});

export const topNComplete = defineCheck<GoldOutput>({
  name: 'top_n_complete',
  severity: 'error',
  description: 'The mart has N rows (fewer only when silver ranks fewer coins) with distinct ranks.',
  async evaluate({ value, resources }) {
    const n = resources.settings.martTopN;
    const row = await firstRow(
      resources,
      sql<{ rows: number; ranks: number; expected: number }>`SELECT
          (SELECT count(*)::int FROM gold.crypto_analytics_mart WHERE snapshot_at = ${value.snapshotAt}::timestamptz) AS rows,
          (SELECT count(DISTINCT market_cap_rank)::int FROM gold.crypto_analytics_mart WHERE snapshot_at = ${value.snapshotAt}::timestamptz) AS ranks,
          (SELECT count(*)::int FROM silver.market_snapshots
            WHERE snapshot_at = ${value.snapshotAt}::timestamptz AND market_cap_rank BETWEEN 1 AND ${n}::integer) AS expected`,
    );
    return {
      passed: row.rows === row.expected && row.ranks === row.rows,
      message: `${row.rows} rows (expected ${row.expected} of top ${n}), ${row.ranks} distinct ranks`,
      metadata: { rows: row.rows, expected: row.expected, distinct_ranks: row.ranks, top_n: n },
    };
  },
});
