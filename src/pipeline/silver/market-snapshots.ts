import { defineAsset } from '../../index.js';
import { sixHourlyPartitions } from '../../index.js';
import { SILVER_FRESHNESS } from '../freshness.js';
import { coingeckoMarkets } from '../bronze/coingecko-markets.js';
import { rawResponseFiles, readManifest, readVerifiedFile } from '../bronze/read-bronze.js';
import { requirePartition } from '../bronze/require-partition.js';
import { loadMarketSnapshots } from './load-market-snapshots.js';
import { quoteFromMarketRow } from '../quotes/coingecko-adapter.js';
import { mergeQuotes } from '../quotes/merge-quotes.js';
import { splitMarketRows } from './market-rows.js';
import { replaceQuarantine } from './quarantine.js';
import { detectMarketsDrift, missingFields, recordDrift } from './schema-drift.js';
import { SilverOutputSchema, type SilverOutput } from './silver-output.js';
import { SILVER_MARKET_CHECKS } from '../checks/silver-market-checks.js';

/**
 * Validated, typed market rows, one per coin per snapshot. One transaction per partition: the
 * rows travel by COPY into a temp staging table and merge with INSERT … ON CONFLICT; invalid
 * rows go to silver.quarantine with their reason. silver rows + quarantined rows = bronze rows.
 * The same transaction writes the rows in the unified schema (silver.market_quotes, source coingecko).
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
    const pages = [];
    for (const file of rawResponseFiles(manifest)) {
      pages.push({ name: file.name, body: await readVerifiedFile(bronze, prefix, file) });
    }
    const { staged, quarantined, bronzeRows } = splitMarketRows(pages);
    if (bronzeRows !== manifest.rows) {
      throw new Error(`${prefix}: the pages hold ${bronzeRows} rows but the manifest says ${manifest.rows}`);
    }
    const drift = detectMarketsDrift(pages);
    const snapshotAt = partition.start.toISOString();
    await database.withSession(async (session) => {
      await loadMarketSnapshots(session, snapshotAt, staged);
      // The same rows in the unified schema, beside the other sources' quotes.
      const quotes = staged.map(({ row, sourceFile, sourceRow }) => ({ ...quoteFromMarketRow(row), snapshotAt, sourceFile, sourceRow }));
      await mergeQuotes(session, quotes, { source: 'coingecko', replaceSnapshot: snapshotAt });
      await replaceQuarantine(session, ctx.assetKey, partition.key, quarantined);
      await recordDrift(session, drift, partition.key, ctx.clock.now());
    });
    if (drift.length > 0) ctx.log.warn('schema drift', { drift: drift.map((entry) => entry.detail).join('; ') });
    // Served fields gone from every row load as NULL: named in the metadata so the run summary says so.
    const storedAsNull = missingFields(drift).served.join(', ');
    const duplicates = quarantined.filter((row) => row.duplicate === true).length;
    if (quarantined.length > 0) {
      ctx.log.warn('rows quarantined', { quarantined: quarantined.length, first_reason: quarantined[0]?.reason });
    }
    return {
      value: { snapshotAt, rows: staged.length },
      metadata: {
        rows: staged.length,
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
