import type { SqlSession } from '../../index.js';
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
  const copied = await session.copyFrom(COPY_STAGE, stageLines(rows));
  // Before the merge: a new snapshot then has nothing to scan, and the result is the same.
  await session.query(loadSql('silver/delete_missing_market_snapshots.sql'), [snapshotAt]);
  await session.query(loadSql('silver/merge_coins.sql'), [snapshotAt]);
  await session.query(loadSql('silver/merge_market_snapshots.sql'), [snapshotAt]);
  return copied;
}

function* stageLines(rows: Iterable<StagedMarketRow>): Generator<string> {
  for (const row of rows) yield stageLine(row);
}
