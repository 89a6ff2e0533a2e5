/**
 * The analytics mart's 7d/30d statistics from silver.price_history daily closes: the return is
 * the snapshot price against the close 7 (30) days before the snapshot's day, the volatility the
 * variation of the closes of the whole days before it (the snapshot's own day left out); a coin
 * without closes for a statistic keeps the snapshot-based value. The closes are written
 * directly, so each expected number is known exactly.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { materialize } from '../../src/daemon/execute-run.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { exact } from '../pipeline/exact-decimal.js';
import { MARKETS_PARTITION, querySql, startHistoryPipeline, type HistoryPipeline } from './history-harness.js';

// The recorded snapshot (2025-02-09T12:00Z): its day S is 2025-02-09.
const BITCOIN = '96114.08481738689';
const ETHEREUM = '2642.2421635443243';

const exactOrNull = (value: unknown) => (value === null ? null : exact(String(value)));

describeEachBackend('analytics mart statistics from daily closes', (backend) => {
  let database: TestDatabase;
  let pipeline: HistoryPipeline;

  beforeAll(async () => {
    database = await createTestDatabase('history-mart', { backend });
    pipeline = await startHistoryPipeline(database);
    const close = (coin: string, day: string, price: string | null) =>
      querySql(
        database,
        `INSERT INTO silver.price_history VALUES ($1, $2::date, $3::numeric, NULL, NULL, 1, $2::date + interval '23 hours', 'test')`,
        [coin, day, price],
      );
    // bitcoin: half its price at S - 7 (a return of exactly 100 %), the same close on each of the
    // 7 days before S (variation 0), and a wild close on S itself, which must not count.
    for (let day = 2; day <= 8; day++) await close('bitcoin', `2025-02-0${day}`, '48057.042408693445');
    await close('bitcoin', '2025-02-09', '1');
    // ethereum: its own price at S - 30 (a 30-day return of 0) and twice it at S - 20; no close
    // in the last 7 days, so the 7-day statistics fall back to the snapshots (none: NULL).
    await close('ethereum', '2025-01-10', ETHEREUM);
    await close('ethereum', '2025-01-20', '5284.4843270886486');
    // tether: a close at S - 7 without a price is no close; ripple and the rest have none.
    await close('tether', '2025-02-02', null);
    // /coins/markets serves only the current partition: fetched at the time its schedule would.
    pipeline.clock.at(MARKETS_PARTITION);
    const { result } = await materialize(pipeline.runtime, { selection: '+gold/crypto_analytics_mart', partitionKey: MARKETS_PARTITION });
    expect(result.status).toBe('SUCCESS');
  });

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  const statistics = async (coin: string) => {
    const [row] = await querySql(
      database,
      'SELECT current_price, return_7d_pct, volatility_7d_pct, return_30d_pct, volatility_30d_pct FROM gold.crypto_analytics_mart WHERE coin_id = $1',
      [coin],
    );
    return row === undefined ? undefined : Object.fromEntries(Object.entries(row).map(([key, value]) => [key, exactOrNull(value)]));
  };

  it('uses the closes for the return and the volatility, leaving the snapshot day out', async () => {
    expect(await statistics('bitcoin')).toEqual({
      current_price: exact(BITCOIN),
      return_7d_pct: '100',
      volatility_7d_pct: '0',
      // The 30-day window holds the same 7 closes.
      return_30d_pct: null,
      volatility_30d_pct: '0',
    });
  });

  it('uses the closes for the 30-day statistics only, when the 7-day window has none', async () => {
    const row = await statistics('ethereum');
    expect({ ...row, volatility_30d_pct: undefined }).toEqual({
      current_price: exact(ETHEREUM),
      return_7d_pct: null,
      volatility_7d_pct: null,
      return_30d_pct: '0',
      volatility_30d_pct: undefined,
    });
    // p and 2p: stddev_samp = p/√2, mean 3p/2, so 100·√2/3 = 47.1404520791…
    expect(row?.['volatility_30d_pct']).toMatch(/^47\.14045207910\d*$/);
  });

  it('falls back to the snapshots for a coin without closes, and for a close without a price', async () => {
    const fallback = { return_7d_pct: null, volatility_7d_pct: null, return_30d_pct: null, volatility_30d_pct: null };
    expect(await statistics('tether')).toMatchObject(fallback);
    expect(await statistics('ripple')).toMatchObject(fallback);
  });
});
