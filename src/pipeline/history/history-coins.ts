/** Which coins get a price history: the top N by market-cap rank of the newest market snapshot. */
import { ValidationError } from '../../index.js';
import type { StrataDatabase } from '../../index.js';

export async function historyCoins(database: StrataDatabase, count: number): Promise<string[]> {
  return database.withSession(async (session) => {
    const { rows: newest } = await session.query<{ snapshot_at: Date | null }>('SELECT max(snapshot_at) AS snapshot_at FROM silver.market_snapshots');
    const snapshotAt = newest[0]?.snapshot_at ?? null;
    if (snapshotAt === null) {
      throw new ValidationError(
        'price history needs the coins to fetch from silver.market_snapshots, which has no snapshot yet: materialize silver/market_snapshots first',
      );
    }
    const { rows } = await session.query<{ coin_id: string }>(
      `SELECT coin_id FROM silver.market_snapshots
       WHERE snapshot_at = $1::timestamptz AND market_cap_rank IS NOT NULL
       ORDER BY market_cap_rank, coin_id LIMIT $2::integer`,
      [snapshotAt.toISOString(), count],
    );
    return rows.map((row) => row.coin_id);
  });
}
