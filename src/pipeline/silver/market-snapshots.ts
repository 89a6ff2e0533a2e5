import { defineAsset } from '../../index.js';
import { sixHourlyPartitions } from '../../index.js';
import { SILVER_FRESHNESS } from '../freshness.js';
import { coingeckoMarkets } from '../bronze/coingecko-markets.js';
import { rawResponseFiles, readManifest, readVerifiedFile } from '../bronze/read-bronze.js';
import { requirePartition } from '../bronze/require-partition.js';
import { loadMarketPages, type MarketPage } from './load-market-pages.js';
import { missingFields } from './schema-drift.js';
import { SilverOutputSchema, type SilverOutput } from './silver-output.js';
import { SILVER_MARKET_CHECKS } from '../checks/silver-market-checks.js';

/**
 * Validated, typed market rows, one per coin per snapshot. One transaction per partition: the
 * partition's rows are deleted and the new ones COPYed straight in, page by page as the pages
 * are read and validated; invalid rows go to silver.quarantine with their reason. silver rows +
 * quarantined rows = bronze rows. The same transaction writes the rows in the unified schema
 * (silver.market_quotes, source coingecko).
 */
export const marketSnapshots = defineAsset({
  key: 'silver/market_snapshots',
  layer: 'silver',
  group: 'coingecko',
  description: 'One validated row per coin per six-hourly snapshot, exact NUMERIC values, derived columns; invalid rows quarantined.',
  deps: { markets: coingeckoMarkets },
  partitions: sixHourlyPartitions,
  freshness: SILVER_FRESHNESS,
  output: SilverOutputSchema,
  tags: { source: 'coingecko' },
  checks: SILVER_MARKET_CHECKS,
  async materialize(ctx): Promise<{ value: SilverOutput; metadata: Record<string, number | string> }> {
    const partition = requirePartition(ctx);
    const { bronze, database } = ctx.resources;
    const { prefix } = ctx.inputs.markets;
    const manifest = await readManifest(bronze, prefix);
    async function* pages(): AsyncGenerator<MarketPage> {
      for (const file of rawResponseFiles(manifest)) yield { name: file.name, body: await readVerifiedFile(bronze, prefix, file) };
    }
    const snapshotAt = partition.start.toISOString();
    const { rows, quarantined, bronzeRows, drift } = await database.withSession(async (session) => {
      const loaded = await loadMarketPages(session, pages(), { assetKey: ctx.assetKey, partitionKey: partition.key, snapshotAt, seenAt: ctx.clock.now() });
      // Thrown inside the transaction: nothing of the partition is written.
      if (loaded.bronzeRows !== manifest.rows) {
        throw new Error(`${prefix}: the pages hold ${loaded.bronzeRows} rows but the manifest says ${manifest.rows}`);
      }
      return loaded;
    });
    if (drift.length > 0) ctx.log.warn('schema drift', { drift: drift.map((entry) => entry.detail).join('; ') });
    // Served fields gone from every row load as NULL: named in the metadata so the run summary says so.
    const storedAsNull = missingFields(drift).served.join(', ');
    const duplicates = quarantined.filter((row) => row.duplicate === true).length;
    if (quarantined.length > 0) {
      ctx.log.warn('rows quarantined', { quarantined: quarantined.length, first_reason: quarantined[0]?.reason });
    }
    return {
      value: { snapshotAt, rows },
      metadata: {
        rows,
        quarantined: quarantined.length,
        quarantined_invalid: quarantined.length - duplicates,
        quarantined_duplicate: duplicates,
        bronze_rows: bronzeRows,
        schema_drift: drift.length,
        ...(storedAsNull === '' ? {} : { missing_fields_stored_as_null: storedAsNull }),
      },
    };
  },
});
