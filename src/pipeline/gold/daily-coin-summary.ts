import { z } from 'zod';
import { defineAsset, many } from '../../index.js';
import { dailyPartitions, dailyToSixHourly } from '../../index.js';
import { DAILY_FRESHNESS } from '../freshness.js';
import { requirePartition } from '../bronze/require-partition.js';
import { marketSnapshots } from '../silver/market-snapshots.js';
import { loadSql } from '../sql-files.js';
import { ANOMALY_CHECKS } from '../checks/anomaly-checks.js';

export const DailyOutputSchema = z.object({
  day: z.string(),
  snapshots: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
});

/**
 * Per coin per UTC day: open/high/low/close of current_price over the day's six-hourly
 * snapshots, average total volume, market cap at close, snapshot count. A day builds from the
 * snapshots it has (`allowMissing`): a day still in progress, or one whose early snapshots were
 * never fetched (CoinGecko serves only the current state), has fewer than four.
 */
export const dailyCoinSummary = defineAsset({
  key: 'gold/daily_coin_summary',
  layer: 'gold',
  group: 'marts',
  description: 'Per coin per UTC day: OHLC of price over the six-hourly snapshots, average volume, market cap at close, snapshot count.',
  deps: { snapshots: many(marketSnapshots, dailyToSixHourly, { allowMissing: true }) },
  partitions: dailyPartitions,
  freshness: DAILY_FRESHNESS,
  output: DailyOutputSchema,
  checks: ANOMALY_CHECKS,
  async materialize(ctx) {
    const partition = requirePartition(ctx);
    const snapshots = ctx.inputs.snapshots.length;
    if (snapshots === 0) {
      throw new Error(`no silver/market_snapshots partition of ${partition.key} is materialized: nothing to summarise`);
    }
    const day = partition.key;
    const rows = await ctx.resources.database.withSession(async (session) => {
      // DELETE then INSERT in one transaction: readers see the old day or the new one, never a gap.
      await session.query('DELETE FROM gold.daily_coin_summary WHERE day = $1::date', [day]);
      const inserted = await session.query(loadSql('gold/daily_coin_summary.sql'), [
        day,
        partition.start.toISOString(),
        partition.end.toISOString(),
      ]);
      return inserted.rowCount;
    });
    return { value: { day, snapshots, rows }, metadata: { rows, snapshots } };
  },
});
