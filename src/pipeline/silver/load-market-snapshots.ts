import { csvField, type SqlSession } from '../../index.js';
import { loadSql } from '../sql-files.js';
import { ROW_COPY_COLUMNS, rowCopyLine, type StagedMarketRow } from './market-rows.js';

const COPY_SNAPSHOTS = `COPY silver.market_snapshots (snapshot_at, ${ROW_COPY_COLUMNS.join(', ')}) FROM STDIN WITH (FORMAT csv)`;

// One load of a snapshot at a time: a second one waits here instead of failing on the primary key.
const LOCK_SNAPSHOT = `SELECT pg_advisory_xact_lock(hashtext('silver.market_snapshots'), hashtext($1))`;

/**
 * Replaces one snapshot's rows in silver inside the caller's transaction: delete its stored
 * rows, COPY the new ones straight into silver.market_snapshots (the derived columns are
 * generated), then add or update the coins they name. The foreign key to silver.coins is
 * deferred to COMMIT so the coins can follow the rows. Returns the rows copied.
 *
 * `batches` (a page's rows each) are consumed once, as COPY asks for data: a generator that
 * parses pages as it goes keeps one page in memory, not the snapshot.
 */
export async function loadMarketSnapshots(
  session: SqlSession,
  snapshotAt: string,
  batches: Iterable<readonly StagedMarketRow[]> | AsyncIterable<readonly StagedMarketRow[]>,
): Promise<number> {
  await session.query(LOCK_SNAPSHOT, [snapshotAt]);
  await session.query('SET CONSTRAINTS silver.market_snapshots_coin_id_fkey DEFERRED');
  await session.query('DELETE FROM silver.market_snapshots WHERE snapshot_at = $1::timestamptz', [snapshotAt]);
  const copied = await session.copyFrom(COPY_SNAPSHOTS, snapshotCsv(snapshotAt, batches));
  await session.query(loadSql('silver/merge_coins.sql'), [snapshotAt]);
  return copied;
}

/** About this many characters of CSV per yield: one await per chunk, not per row. */
const CHUNK_CHARS = 64 * 1024;

async function* snapshotCsv(
  snapshotAt: string,
  batches: Iterable<readonly StagedMarketRow[]> | AsyncIterable<readonly StagedMarketRow[]>,
): AsyncGenerator<string> {
  const at = `${csvField(snapshotAt)},`;
  let chunk = '';
  for await (const rows of batches) {
    for (const row of rows) {
      chunk += at + rowCopyLine(row);
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = '';
      }
    }
  }
  if (chunk !== '') yield chunk;
}
