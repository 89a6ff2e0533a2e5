/**
 * `strata verify`: proves that what is stored still matches what was fetched. Every bronze file
 * is re-hashed against its partition's manifest, and for every materialized markets partition
 * silver rows + quarantined rows must equal the manifest's bronze rows.
 */
import { sql } from 'kysely';
import type { Resources } from '../core/types.js';
import { sixHourlyPartitions } from '../core/partitions.js';
import { MANIFEST_FILE, bronzePrefix } from './bronze/manifest.js';
import { readManifest } from './bronze/read-bronze.js';
import { verifyBronzePartition, type BronzeMismatch } from './bronze/verify-bronze.js';

const SILVER_MARKETS = 'silver/market_snapshots';

export interface IntegrityReport {
  readonly bronzePartitions: number;
  readonly bronzeFiles: number;
  readonly silverPartitions: number;
  /** `path` is a bronze key, or `silver/market_snapshots [<partition>]` for a count mismatch. */
  readonly mismatches: readonly BronzeMismatch[];
}

export async function verifyIntegrity(resources: Pick<Resources, 'bronze' | 'database'>): Promise<IntegrityReport> {
  const { bronze, database } = resources;
  const mismatches: BronzeMismatch[] = [];
  const manifests = (await bronze.list('raw/')).filter((key) => key.endsWith(`/${MANIFEST_FILE}`));
  let bronzeFiles = 0;
  for (const key of manifests) {
    const result = await verifyBronzePartition(bronze, key.slice(0, -(MANIFEST_FILE.length + 1)));
    bronzeFiles += result.manifest?.files.length ?? 0;
    mismatches.push(...result.mismatches);
  }

  const partitions = await database.db
    .selectFrom('strata.materializations')
    .select('partition_key')
    .where('asset_key', '=', SILVER_MARKETS)
    .orderBy('partition_key')
    .execute();
  for (const { partition_key: partition } of partitions) {
    const where = `${SILVER_MARKETS} [${partition}]`;
    const prefix = bronzePrefix('coingecko_markets', partition);
    let bronzeRows: number;
    try {
      bronzeRows = (await readManifest(bronze, prefix)).rows;
    } catch (error) {
      mismatches.push({ path: where, problem: `its bronze manifest cannot be read (${error instanceof Error ? error.message : String(error)})` });
      continue;
    }
    const snapshotAt = sixHourlyPartitions.parse(partition).start.toISOString();
    const { rows } = await sql<{ silver: number; quarantined: number }>`SELECT
        (SELECT count(*)::int FROM silver.market_snapshots WHERE snapshot_at = ${snapshotAt}::timestamptz) AS silver,
        (SELECT count(*)::int FROM silver.quarantine WHERE asset_key = ${SILVER_MARKETS} AND partition_key = ${partition}) AS quarantined`.execute(database.db);
    const counts = rows[0] ?? { silver: 0, quarantined: 0 };
    if (counts.silver + counts.quarantined !== bronzeRows) {
      mismatches.push({
        path: where,
        problem: `silver ${counts.silver} + quarantine ${counts.quarantined} = ${counts.silver + counts.quarantined} rows, but bronze ${prefix} holds ${bronzeRows}`,
      });
    }
  }
  return { bronzePartitions: manifests.length, bronzeFiles, silverPartitions: partitions.length, mismatches };
}
