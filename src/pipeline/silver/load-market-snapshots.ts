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
 * `rows` is consumed once, as COPY asks for lines: a generator that parses pages as it goes
 * keeps one page in memory, not the snapshot.
 */
export async function loadMarketSnapshots(
  session: SqlSession,
  snapshotAt: string,
  rows: Iterable<StagedMarketRow> | AsyncIterable<StagedMarketRow>,
): Promise<number> {
  await session.query(LOCK_SNAPSHOT, [snapshotAt]);
  await session.query('SET CONSTRAINTS silver.market_snapshots_coin_id_fkey DEFERRED');
  await session.query('DELETE FROM silver.market_snapshots WHERE snapshot_at = $1::timestamptz', [snapshotAt]);
  const copied = await session.copyFrom(COPY_SNAPSHOTS, snapshotLines(snapshotAt, rows));
  await session.query(loadSql('silver/merge_coins.sql'), [snapshotAt]);
  return copied;
}

async function* snapshotLines(snapshotAt: string, rows: Iterable<StagedMarketRow> | AsyncIterable<StagedMarketRow>): AsyncGenerator<string> {
  const at = `${csvField(snapshotAt)},`;
  for await (const row of rows) yield at + rowCopyLine(row);
}
