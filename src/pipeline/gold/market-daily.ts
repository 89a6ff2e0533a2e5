/**
 * gold/market_daily: per source, unified coin and UTC day, open/high/low/close of the price over
 * the day's quotes in silver.market_quotes, average volume and market cap at close. Where
 * gold/daily_coin_summary is CoinGecko's full row, this is every source side by side.
 */
import { z } from 'zod';
import { defineAsset, many, type AnyAsset, type ManyDep } from '../../index.js';
import { dailyPartitions, dailyToSixHourly } from '../../index.js';
import { requirePartition } from '../bronze/require-partition.js';
import { ANOMALY_CHECKS } from '../checks/anomaly-checks.js';
import { DAILY_FRESHNESS } from '../freshness.js';
import { loadSql } from '../sql-files.js';

export const MarketDailyOutputSchema = z.object({
  day: z.string(),
  snapshots: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
});

/** `quoteAssets`: the six-hourly silver asset of each configured source. */
export function defineMarketDaily(quoteAssets: readonly AnyAsset[]) {
  return defineAsset({
    key: 'gold/market_daily',
    layer: 'gold',
    group: 'marts',
    description: 'Per source, coin and UTC day: OHLC of price over the day’s quotes, average volume, market cap at close.',
    // A day builds from the snapshots it has, like gold/daily_coin_summary.
    deps: Object.fromEntries(quoteAssets.map((asset) => [asset.name, many(asset, dailyToSixHourly, { allowMissing: true })])) as Record<
      string,
      ManyDep<unknown>
    >,
    partitions: dailyPartitions,
    freshness: DAILY_FRESHNESS,
    output: MarketDailyOutputSchema,
    checks: ANOMALY_CHECKS,
    async materialize(ctx) {
      const partition = requirePartition(ctx);
      const snapshots = Object.values(ctx.inputs).reduce((sum, inputs) => sum + (inputs as unknown[]).length, 0);
      if (snapshots === 0) throw new Error(`no silver quotes partition of ${partition.key} is materialized: nothing to summarise`);
      const day = partition.key;
      const rows = await ctx.resources.database.withSession(async (session) => {
        await session.query('DELETE FROM gold.market_daily WHERE day = $1::date', [day]);
        const inserted = await session.query(loadSql('gold/market_daily.sql'), [day, partition.start.toISOString(), partition.end.toISOString()]);
        return inserted.rowCount;
      });
      return { value: { day, snapshots, rows }, metadata: { rows, snapshots } };
    },
  });
}
