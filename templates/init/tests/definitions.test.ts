import { createTestStrata, type TestStrata } from 'strata/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import definitions from '../definitions.js';

// One in-memory database and fake CoinGecko for the whole file: creating the database is slow.
let strata: TestStrata;

beforeAll(async () => {
  strata = await createTestStrata({ definitions });
});

afterAll(() => strata?.close());

it('gold/top_gainers holds the ten largest 24 h gains of the snapshot, largest first', async () => {
  const run = await strata.materialize('+gold/top_gainers');
  expect(run.failures).toEqual([]);

  const rows = await strata.query<{ rank: number; coin_id: string; price_change_percentage_24h: string }>(
    'SELECT rank, coin_id, price_change_percentage_24h FROM gold.top_gainers ORDER BY rank',
  );
  expect(rows.map((row) => row.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const gains = rows.map((row) => Number(row.price_change_percentage_24h));
  expect(gains).toEqual([...gains].sort((a, b) => b - a));
  const [best] = await strata.query<{ gain: string }>('SELECT max(price_change_percentage_24h) AS gain FROM silver.market_snapshots');
  expect(gains[0]).toBe(Number(best?.gain));
});

it('gold/coin_count (sql/gold/coin_count.sql) counts every coin of the snapshot once', async () => {
  const run = await strata.materialize('+gold/coin_count');
  expect(run.failures).toEqual([]);

  const [counted] = await strata.query<{ coins: number }>('SELECT sum(coins)::int AS coins FROM gold.coin_count');
  const [snapshot] = await strata.query<{ coins: number }>('SELECT count(*)::int AS coins FROM silver.market_snapshots');
  expect(counted?.coins).toBeGreaterThan(0);
  expect(counted?.coins).toBe(snapshot?.coins);
});
