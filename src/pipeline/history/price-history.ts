/**
 * `silver/price_history`: one row per coin and UTC day from the responses bronze partition D
 * landed. A catch-up response covers several days, so partition D may write days before D;
 * bronze never fetches a coin-day twice, so no two partitions write the same coin-day. Points
 * that cannot be used go to silver.quarantine with their reason; one transaction per partition.
 * `backfillPolicy: 'single_run'`: a range run loads every day of the range in one transaction.
 * The folders are read by day key (historyPrefix) rather than from the input's `prefix`,
 * because a range's bronze value stands for all of its days alike.
 */
import { defineAsset } from '../../index.js';
import { dailyPartitions } from '../../index.js';
import { rawResponseFiles, readManifest, readVerifiedFile } from '../bronze/read-bronze.js';
import { requirePartition } from '../bronze/require-partition.js';
import { DAILY_FRESHNESS } from '../freshness.js';
import { replaceQuarantine } from '../silver/quarantine.js';
import { SilverOutputSchema, type SilverOutput } from '../silver/silver-output.js';
import type { QuarantinedRow } from '../silver/market-rows.js';
import { chartDays, type HistoryDay } from './chart-days.js';
import { coingeckoPriceHistory } from './coingecko-price-history.js';
import { daysOfChartFile, historyPrefix, landedCoinFolders } from './history-files.js';
import { loadPriceHistory } from './load-price-history.js';

export const priceHistory = defineAsset({
  key: 'silver/price_history',
  layer: 'silver',
  group: 'price_history',
  description: 'Daily close, market cap and volume per coin (exact NUMERIC) from the landed market-chart responses; bad points quarantined.',
  deps: { history: coingeckoPriceHistory },
  partitions: dailyPartitions,
  freshness: DAILY_FRESHNESS,
  output: SilverOutputSchema,
  tags: { source: 'coingecko' },
  backfillPolicy: 'single_run',
  async materialize(ctx): Promise<{ value: SilverOutput; metadata: Record<string, number> }> {
    const partition = requirePartition(ctx);
    const { bronze, database } = ctx.resources;
    const prefixes = (ctx.partitionRange?.keys ?? [partition.key]).map(historyPrefix);
    const days: HistoryDay[] = [];
    const quarantined: QuarantinedRow[] = [];
    let files = 0;
    for (const prefix of prefixes) for (const coinId of await landedCoinFolders(bronze, prefix)) {
      const folder = `${prefix}/${coinId}`;
      for (const file of rawResponseFiles(await readManifest(bronze, folder))) {
        const fetched = daysOfChartFile(file.name);
        if (fetched === undefined) throw new Error(`${folder}/${file.name}: not a market chart file name (market_chart_<first>_<last>.json)`);
        const body = await readVerifiedFile(bronze, folder, file);
        const result = chartDays({ coinId, sourceFile: `${coinId}/${file.name}`, ...fetched, body });
        days.push(...result.days);
        quarantined.push(...result.quarantined);
        files += 1;
      }
    }
    await database.withSession(async (session) => {
      await loadPriceHistory(session, days);
      await replaceQuarantine(session, ctx.assetKey, partition.key, quarantined);
    });
    if (quarantined.length > 0) ctx.log.warn('points quarantined', { quarantined: quarantined.length, first_reason: quarantined[0]?.reason });
    return {
      value: { snapshotAt: partition.start.toISOString(), rows: days.length },
      metadata: { rows: days.length, quarantined: quarantined.length, files },
    };
  },
});
