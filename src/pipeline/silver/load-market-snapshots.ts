import type { SqlSession } from '../../storage/index.js';
import { loadSql } from '../sql-files.js';
import { STAGE_COLUMNS, stageLine, type StagedMarketRow } from './market-rows.js';

const COPY_STAGE = `COPY stage_market_snapshots (${STAGE_COLUMNS.join(', ')}) FROM STDIN WITH (FORMAT csv)`;

/**
 * Loads one snapshot's valid rows into silver inside the caller's transaction: COPY into a typed
 * temp staging table, drop the coins a re-fetch no longer has, then merge coins and snapshots
 * with INSERT … ON CONFLICT. Returns the rows merged.
 */
export async function loadMarketSnapshots(session: SqlSession, snapshotAt: string, rows: Iterable<StagedMarketRow>): Promise<number> {
  await session.query(loadSql('silver/create_market_stage.sql'));
  const copied = await session.copyFrom(COPY_STAGE, csvLines(rows));
  // Before the merge: a new snapshot then has nothing to scan, and the result is the same.
  await session.query(loadSql('silver/delete_missing_market_snapshots.sql'), [snapshotAt]);
  await session.query(loadSql('silver/merge_coins.sql'), [snapshotAt]);
  await session.query(loadSql('silver/merge_market_snapshots.sql'), [snapshotAt]);
  return copied;
}

/** Lines are sent in chunks of about this many characters: one CopyData message per chunk. */
const COPY_CHUNK_CHARS = 64 * 1024;

/**
 * The rows as CSV, many lines per chunk. One chunk per line made pg-copy-streams send a
 * CopyData message (and a stream write) per row, which cost about two thirds of the COPY's time
 * (bench/results/load.md); COPY sees the same bytes either way.
 */
function* csvLines(rows: Iterable<StagedMarketRow>): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    chunk += stageLine(row);
    if (chunk.length >= COPY_CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}
