/**
 * `strata verify`: proves that what is stored still matches what was fetched. Every bronze file
 * (markets pages, their Parquet copy, `/global` responses, CoinPaprika tickers, price-history
 * charts) is re-hashed against the manifest of its folder, and for every materialized silver
 * partition of the snapshot sources silver rows + quarantined rows must equal the rows its bronze
 * manifest holds (250 a markets page; 1 for a `/global` response). For the price history, each
 * chart file's price points must all be counted into silver.price_history or quarantined.
 */
import { sql } from 'kysely';
import type { Resources } from '../index.js';
import { describeError } from '../index.js';
import { sixHourlyPartitions } from '../index.js';
import { bronzePrefix } from './bronze/manifest.js';
import { rawResponseFiles, readManifest } from './bronze/read-bronze.js';
import { verifyBronzePartition, type BronzeMismatch } from './bronze/verify-bronze.js';
import { historyPrefix, landedCoinFolders } from './history/history-files.js';

/** Each silver asset, the bronze asset it loads and the table holding its rows by `snapshot_at`. */
const SILVER_FROM_BRONZE: readonly SilverFromBronze[] = [
  { asset: 'silver/global_snapshots', bronzeAsset: 'coingecko_global', table: 'silver.global_snapshots' },
  { asset: 'silver/market_snapshots', bronzeAsset: 'coingecko_markets', table: 'silver.market_snapshots' },
  { asset: 'silver/coinpaprika_tickers', bronzeAsset: 'coinpaprika_tickers', table: 'silver.market_quotes', source: 'coinpaprika' },
];

interface SilverFromBronze {
  readonly asset: string;
  readonly bronzeAsset: string;
  readonly table: string;
  /** The table holds several sources' rows: count this one's. */
  readonly source?: string;
}

export interface IntegrityReport {
  readonly bronzePartitions: number;
  readonly bronzeFiles: number;
  /** Bronze files re-hashed, by bronze asset (`coingecko_markets`, `coingecko_global`). */
  readonly bronzeFilesByAsset: Readonly<Record<string, number>>;
  readonly silverPartitions: number;
  /** Silver partitions whose counts were checked, by silver asset. */
  readonly silverPartitionsByAsset: Readonly<Record<string, number>>;
  /** `path` is a bronze key, or `<silver asset> [<partition>]` for a count mismatch. */
  readonly mismatches: readonly BronzeMismatch[];
}

export async function verifyIntegrity(resources: Pick<Resources, 'bronze' | 'database'>): Promise<IntegrityReport> {
  const { bronze } = resources;
  const mismatches: BronzeMismatch[] = [];
  // Every folder with any file, so one whose manifest is gone is reported too. A folder is
  // committed whole with its manifest: a partition's (raw/<day>/<partition>/<asset>/) or, for
  // the price history, one coin's fetch within it (…/coingecko_price_history/<coin>/).
  const prefixes = new Set<string>();
  for (const key of await bronze.list('raw/')) {
    const segments = key.split('/');
    if (segments.length >= 5) prefixes.add(segments.slice(0, -1).join('/'));
    else mismatches.push({ path: key, problem: 'file is outside any bronze partition folder (raw/<day>/<partition>/<asset>/)' });
  }
  const bronzeFilesByAsset: Record<string, number> = {};
  let bronzeFiles = 0;
  for (const prefix of [...prefixes].sort()) {
    const result = await verifyBronzePartition(bronze, prefix);
    const files = result.manifest?.files.length ?? 0;
    const asset = prefix.split('/')[3] as string;
    bronzeFilesByAsset[asset] = (bronzeFilesByAsset[asset] ?? 0) + files;
    bronzeFiles += files;
    mismatches.push(...result.mismatches);
  }

  const silverPartitionsByAsset: Record<string, number> = {};
  let silverPartitions = 0;
  for (const silver of SILVER_FROM_BRONZE) {
    const checked = await verifySilverCounts(resources, silver, mismatches);
    // A source never materialized here (not configured) is left out of the report.
    if (checked > 0) silverPartitionsByAsset[silver.asset] = checked;
    silverPartitions += checked;
  }
  const history = await verifyPriceHistoryCounts(resources, mismatches);
  if (history > 0) silverPartitionsByAsset[PRICE_HISTORY] = history;
  silverPartitions += history;
  return { bronzePartitions: prefixes.size, bronzeFiles, bronzeFilesByAsset, silverPartitions, silverPartitionsByAsset, mismatches };
}

/** Silver + quarantine = bronze rows for every materialized partition of one silver asset; returns how many were checked. */
async function verifySilverCounts(
  { bronze, database }: Pick<Resources, 'bronze' | 'database'>,
  silver: SilverFromBronze,
  mismatches: BronzeMismatch[],
): Promise<number> {
  const partitions = await database.db
    .selectFrom('strata.materializations')
    .select('partition_key')
    .where('asset_key', '=', silver.asset)
    .orderBy('partition_key')
    .execute();
  for (const { partition_key: partition } of partitions) {
    const where = `${silver.asset} [${partition}]`;
    const prefix = bronzePrefix(silver.bronzeAsset, partition);
    let bronzeRows: number;
    try {
      bronzeRows = (await readManifest(bronze, prefix)).rows;
    } catch (error) {
      mismatches.push({ path: where, problem: `its bronze manifest cannot be read (${describeError(error)})` });
      continue;
    }
    const snapshotAt = sixHourlyPartitions.parse(partition).start.toISOString();
    const { rows } = await sql<{ silver: number; quarantined: number }>`SELECT
        (SELECT count(*)::int FROM ${sql.raw(silver.table)}
          WHERE snapshot_at = ${snapshotAt}::timestamptz ${silver.source === undefined ? sql`` : sql`AND source = ${silver.source}`}) AS silver,
        (SELECT count(*)::int FROM silver.quarantine WHERE asset_key = ${silver.asset} AND partition_key = ${partition}) AS quarantined`.execute(database.db);
    const counts = rows[0] ?? { silver: 0, quarantined: 0 };
    if (counts.silver + counts.quarantined !== bronzeRows) {
      mismatches.push({
        path: where,
        problem: `silver ${counts.silver} + quarantine ${counts.quarantined} = ${counts.silver + counts.quarantined} rows, but bronze ${prefix} holds ${bronzeRows}`,
      });
    }
  }
  return partitions.length;
}

const PRICE_HISTORY = 'silver/price_history';

/**
 * Per materialized day of silver/price_history: every price point of every chart file bronze
 * landed that day is counted in silver.price_history.points or quarantined (`prices[i]: …`).
 */
async function verifyPriceHistoryCounts({ bronze, database }: Pick<Resources, 'bronze' | 'database'>, mismatches: BronzeMismatch[]): Promise<number> {
  const partitions = await database.db
    .selectFrom('strata.materializations')
    .select('partition_key')
    .where('asset_key', '=', PRICE_HISTORY)
    .orderBy('partition_key')
    .execute();
  for (const { partition_key: day } of partitions) {
    const prefix = historyPrefix(day);
    for (const coin of await landedCoinFolders(bronze, prefix)) {
      let files;
      try {
        files = rawResponseFiles(await readManifest(bronze, `${prefix}/${coin}`));
      } catch (error) {
        mismatches.push({ path: `${PRICE_HISTORY} [${day}]`, problem: `the manifest of ${coin} cannot be read (${describeError(error)})` });
        continue;
      }
      for (const file of files) {
        const sourceFile = `${coin}/${file.name}`;
        const { rows } = await sql<{ counted: number; quarantined: number }>`SELECT
            (SELECT coalesce(sum(points), 0)::int FROM silver.price_history WHERE source_file = ${sourceFile}) AS counted,
            (SELECT count(*)::int FROM silver.quarantine WHERE asset_key = ${PRICE_HISTORY} AND partition_key = ${day}
               AND source_file = ${sourceFile} AND reason LIKE 'prices[%') AS quarantined`.execute(database.db);
        const { counted, quarantined } = rows[0] ?? { counted: 0, quarantined: 0 };
        if (counted + quarantined !== file.rows) {
          mismatches.push({
            path: `${PRICE_HISTORY} [${day}]`,
            problem: `${sourceFile}: silver counts ${counted} price points + quarantine ${quarantined} = ${counted + quarantined}, but the file holds ${file.rows}`,
          });
        }
      }
    }
  }
  return partitions.length;
}
