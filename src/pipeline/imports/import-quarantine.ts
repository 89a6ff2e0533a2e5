/**
 * An import's quarantined lines in silver.quarantine, under asset key `import/<source>` and the
 * file's base name as partition key: importing a file again (fixed, or unchanged) replaces the
 * rows its previous import left, instead of piling up reasons for lines that are now loaded.
 * Equal rows are not rewritten, so a repeated import changes nothing here either.
 */
import { csvLine, type SqlSession } from '../../index.js';
import type { QuarantinedRow } from '../silver/market-rows.js';

const CREATE_STAGE = `CREATE TEMP TABLE stage_import_quarantine (
  coin_id text, reason text NOT NULL, raw_row jsonb NOT NULL, source_file text NOT NULL, source_row integer NOT NULL
) ON COMMIT DROP`;

const COPY_STAGE = 'COPY stage_import_quarantine (coin_id, reason, raw_row, source_file, source_row) FROM STDIN WITH (FORMAT csv)';

const STORED = `SELECT coin_id, reason, raw_row, source_file, source_row FROM silver.quarantine WHERE asset_key = $1 AND partition_key = $2`;
const STAGED = 'SELECT coin_id, reason, raw_row, source_file, source_row FROM stage_import_quarantine';

/** Both directions of EXCEPT ALL empty: the stored rows are the staged ones, duplicates included. */
const DIFFERS = `SELECT EXISTS ((${STORED} EXCEPT ALL ${STAGED}) UNION ALL (${STAGED} EXCEPT ALL ${STORED})) AS differs`;

export function importAssetKey(source: string): string {
  return `import/${source}`;
}

export async function replaceImportQuarantine(session: SqlSession, source: string, fileName: string, rows: readonly QuarantinedRow[]): Promise<void> {
  const key = [importAssetKey(source), fileName];
  await session.query(CREATE_STAGE);
  await session.copyFrom(COPY_STAGE, rows.map((row) => csvLine([row.coinId, row.reason, row.rawJson, row.sourceFile, row.sourceRow])));
  const { rows: diff } = await session.query<{ differs: boolean }>(DIFFERS, key);
  if (diff[0]?.differs !== true) return;
  await session.query('DELETE FROM silver.quarantine WHERE asset_key = $1 AND partition_key = $2', key);
  await session.query(
    `INSERT INTO silver.quarantine (asset_key, partition_key, coin_id, reason, raw_row, source_file, source_row)
     SELECT $1, $2, coin_id, reason, raw_row, source_file, source_row FROM stage_import_quarantine ORDER BY source_row`,
    key,
  );
}

/** The first reasons stored for a file's import, in line order; every one without a limit. */
export async function storedImportReasons(session: SqlSession, source: string, fileName: string, limit: number | undefined): Promise<string[]> {
  const { rows } = await session.query<{ reason: string }>(
    'SELECT reason FROM silver.quarantine WHERE asset_key = $1 AND partition_key = $2 ORDER BY source_row, id LIMIT $3',
    // LIMIT NULL is no limit.
    [importAssetKey(source), fileName, limit ?? null],
  );
  return rows.map((row) => row.reason);
}
