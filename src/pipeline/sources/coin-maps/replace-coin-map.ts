/**
 * Makes silver.coin_id_map hold exactly a source's mapping file, inside the caller's transaction
 * (the silver load's), so the quotes loaded next are mapped with the file as it is now.
 */
import { csvLine, type SqlSession } from '../../../index.js';
import type { CoinMapEntry } from './coin-map-file.js';

const COPY_MAP = 'COPY silver.coin_id_map (source, source_coin_id, coin_id) FROM STDIN WITH (FORMAT csv)';

/** Replaces the source's rows; returns how many it holds now. */
export async function replaceCoinMap(session: SqlSession, source: string, entries: readonly CoinMapEntry[]): Promise<number> {
  await session.query('DELETE FROM silver.coin_id_map WHERE source = $1', [source]);
  if (entries.length === 0) return 0;
  return session.copyFrom(COPY_MAP, [entries.map((entry) => csvLine([source, entry.sourceCoinId, entry.coinId])).join('')]);
}
