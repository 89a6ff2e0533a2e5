import { defineAsset } from '../../index.js';
import { sixHourlyPartitions } from '../../index.js';
import { BRONZE_FRESHNESS } from '../freshness.js';
import { createColumnBuffer, MARKET_ROW_COLUMNS } from '../parquet/index.js';
import { parseMarketRow } from '../sources/index.js';
import { BronzeOutputSchema, type BronzeOutput } from './bronze-output.js';
import { MANIFEST_FILE, bronzePrefix, describeFile, encodeManifest, type ManifestFile } from './manifest.js';
import { requirePartition } from './require-partition.js';
import { BRONZE_MARKETS_CHECKS } from '../checks/bronze-markets-checks.js';

export const MARKETS_PARQUET_FILE = 'markets.parquet';

/**
 * Every page of `/coins/markets` (250 a page) up to `settings.coins`, each page's body kept
 * byte for byte, plus one Parquet file of the rows and `_manifest.json`. The partition's files
 * appear together on commit, or not at all.
 */
export const coingeckoMarkets = defineAsset<BronzeOutput>({
  key: 'bronze/coingecko_markets',
  layer: 'bronze',
  group: 'coingecko',
  description: 'Raw CoinGecko /coins/markets pages (JSON as received) plus a Parquet copy and a manifest.',
  partitions: sixHourlyPartitions,
  freshness: BRONZE_FRESHNESS,
  output: BronzeOutputSchema,
  pool: 'coingecko',
  // /coins/markets and /global serve only the current state: a past partition cannot be fetched.
  servesPartitions: 'current',
  retry: { maxRetries: 1, initialDelayMs: 5_000 },
  tags: { source: 'coingecko' },
  checks: BRONZE_MARKETS_CHECKS,
  async materialize(ctx) {
    const partition = requirePartition(ctx);
    const { bronze, coingecko, parquet, settings } = ctx.resources;
    const prefix = bronzePrefix('coingecko_markets', partition.key);
    const writer = await bronze.beginPartition(prefix);
    try {
      const files: ManifestFile[] = [];
      // The Parquet copy's rows, kept as column values: each page's row objects go with the page.
      const parquetColumns = createColumnBuffer(MARKET_ROW_COLUMNS);
      let rows = 0;
      let bytes = 0;
      for await (const page of coingecko.marketsPages({ coins: settings.coins, signal: ctx.signal })) {
        const name = `page-${String(files.length + 1).padStart(3, '0')}.json`;
        await writer.put(name, page.body);
        files.push(describeFile(name, page.body, page.data.length, { url: page.url, status: page.status, fetchedAt: page.fetchedAt.toISOString() }));
        rows += page.data.length;
        bytes += page.body.byteLength;
        for (const raw of page.data) {
          const parsed = parseMarketRow(raw);
          if (parsed.ok) parquetColumns.push(parsed.row);
        }
        ctx.log.debug('fetched markets page', { page: files.length, rows: page.data.length });
      }
      // Parquet is the analytical copy of the valid rows; invalid ones stay in the JSON pages and
      // are quarantined by silver with their reasons.
      const parquetBytes = await parquet.writeColumns(parquetColumns);
      await writer.put(MARKETS_PARQUET_FILE, parquetBytes);
      files.push(describeFile(MARKETS_PARQUET_FILE, parquetBytes, parquetColumns.rows));
      const fetchedAt = files[0]?.request?.fetchedAt ?? ctx.clock.now().toISOString();
      await writer.put(MANIFEST_FILE, encodeManifest({ asset: ctx.assetKey, partition: partition.key, fetchedAt, rows, files }));
      await writer.commit();
      return {
        value: { prefix, rows, files: files.length },
        metadata: { rows, pages: files.length - 1, bytes, parquet_bytes: parquetBytes.byteLength, parquet_rows: parquetColumns.rows },
      };
    } catch (error) {
      await writer.abort();
      throw error;
    }
  },
});
