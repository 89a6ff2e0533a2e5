/**
 * CoinPaprika's assets. `bronze/coinpaprika_tickers` keeps `/v1/tickers` (every coin in one
 * response) byte for byte, with a manifest, each six-hourly partition; `silver/coinpaprika_tickers`
 * loads it into silver.market_quotes as source 'coinpaprika', first syncing silver.coin_id_map
 * from the maintained file coin-maps/coinpaprika.csv in the same transaction.
 */
import { defineAsset } from '../../index.js';
import { sixHourlyPartitions } from '../../index.js';
import { ANOMALY_CHECKS } from '../checks/anomaly-checks.js';
import { unmappedCoinsCheck } from '../checks/coinpaprika-checks.js';
import { BRONZE_FRESHNESS } from '../freshness.js';
import { COINPAPRIKA_SOURCE, coinpaprikaAdapter } from '../quotes/coinpaprika-adapter.js';
import { defineQuotesAsset } from '../quotes/quotes-asset.js';
import { readCoinMap } from '../sources/coin-maps/coin-map-file.js';
import { replaceCoinMap } from '../sources/coin-maps/replace-coin-map.js';
import { BronzeOutputSchema, type BronzeOutput } from './bronze-output.js';
import { MANIFEST_FILE, bronzePrefix, describeFile, encodeManifest } from './manifest.js';
import { requirePartition } from './require-partition.js';

export const TICKERS_FILE = 'tickers.json';

export const coinpaprikaTickers = defineAsset<BronzeOutput>({
  key: 'bronze/coinpaprika_tickers',
  layer: 'bronze',
  group: 'coinpaprika',
  description: 'Raw CoinPaprika /v1/tickers (JSON as received) plus a manifest.',
  partitions: sixHourlyPartitions,
  freshness: BRONZE_FRESHNESS,
  output: BronzeOutputSchema,
  pool: 'coinpaprika',
  // /v1/tickers serves only the current state: a past partition cannot be fetched.
  servesPartitions: 'current',
  retry: { maxRetries: 1, initialDelayMs: 5_000 },
  tags: { source: COINPAPRIKA_SOURCE },
  checks: ANOMALY_CHECKS,
  async materialize(ctx) {
    const partition = requirePartition(ctx);
    const { bronze, coinpaprika } = ctx.resources;
    const prefix = bronzePrefix('coinpaprika_tickers', partition.key);
    const response = await coinpaprika.getTickers({ signal: ctx.signal });
    const rows = response.data.length;
    const fetchedAt = response.fetchedAt.toISOString();
    const file = describeFile(TICKERS_FILE, response.body, rows, { url: response.url, status: response.status, fetchedAt });
    const writer = await bronze.beginPartition(prefix);
    try {
      await writer.put(TICKERS_FILE, response.body);
      await writer.put(MANIFEST_FILE, encodeManifest({ asset: ctx.assetKey, partition: partition.key, fetchedAt, rows, files: [file] }));
      await writer.commit();
    } catch (error) {
      await writer.abort();
      throw error;
    }
    return { value: { prefix, rows, files: 1 }, metadata: { rows, bytes: response.body.byteLength } };
  },
});

export const coinpaprikaQuotes = defineQuotesAsset({
  key: 'silver/coinpaprika_tickers',
  description: 'CoinPaprika tickers in the unified schema (silver.market_quotes, source coinpaprika), mapped to unified ids by coin-maps/coinpaprika.csv.',
  bronze: coinpaprikaTickers,
  adapter: coinpaprikaAdapter,
  async prepare(session) {
    await replaceCoinMap(session, COINPAPRIKA_SOURCE, await readCoinMap(COINPAPRIKA_SOURCE));
  },
  checks: [unmappedCoinsCheck(COINPAPRIKA_SOURCE, 'src/pipeline/sources/coin-maps/coinpaprika.csv'), ...ANOMALY_CHECKS],
});
