/** Writes coin-days into silver.price_history inside the caller's transaction: COPY, then merge. */
import { csvLine, type SqlSession } from '../../index.js';
import { loadSql } from '../sql-files.js';
import type { HistoryDay } from './chart-days.js';

const COPY_STAGE =
  'COPY stage_price_history (coin_id, day, price_usd, market_cap_usd, total_volume_usd, points, last_point_at, source_file) FROM STDIN WITH (FORMAT csv)';

export async function loadPriceHistory(session: SqlSession, days: readonly HistoryDay[]): Promise<void> {
  if (days.length === 0) return;
  await session.query(loadSql('history/create_price_history_stage.sql'));
  await session.copyFrom(
    COPY_STAGE,
    days.map((day) =>
      csvLine([day.coinId, day.day, day.priceUsd, day.marketCapUsd, day.totalVolumeUsd, day.points, new Date(day.lastPointAt).toISOString(), day.sourceFile]),
    ),
  );
  await session.query(loadSql('history/merge_price_history.sql'));
}
