import { csvLine, type SqlSession } from '../../index.js';
import type { QuarantinedRow } from './market-rows.js';

const COPY_QUARANTINE =
  'COPY silver.quarantine (asset_key, partition_key, coin_id, reason, raw_row, source_file, source_row) FROM STDIN WITH (FORMAT csv)';

/** Replaces a partition's quarantined rows, inside the caller's transaction (idempotent re-runs). */
export async function replaceQuarantine(
  session: SqlSession,
  assetKey: string,
  partitionKey: string,
  rows: readonly QuarantinedRow[],
): Promise<void> {
  await session.query('DELETE FROM silver.quarantine WHERE asset_key = $1 AND partition_key = $2', [assetKey, partitionKey]);
  if (rows.length === 0) return;
  const lines = rows.map((row) => csvLine([assetKey, partitionKey, row.coinId, row.reason, row.rawJson, row.sourceFile, row.sourceRow]));
  await session.copyFrom(COPY_QUARANTINE, lines);
}
