/**
 * "No duplicates or gaps while paging through a table being written to": a client pages through
 * a coin's history (and the coins list) while quotes and coins are inserted between its page
 * requests, before, at and after its position. Every row that existed when paging started must
 * come exactly once, and no row twice. An offset-paged listing would fail this: a row inserted
 * before the client's position shifts the next page by one and repeats a row.
 */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';
import { insertQuotes, type QuoteRow } from './api-market-seed.js';

const COIN = 'paging-coin';
const SOURCES = ['coingecko', 'coinpaprika', 'kaggle'];
const HOUR = 3_600_000;
const START = Date.parse('2025-01-01T00:00:00Z');

function quote(source: string, hour: number): QuoteRow {
  const snapshotAt = new Date(START + hour * HOUR).toISOString();
  return { source, sourceCoinId: source === 'coinpaprika' ? 'pc-paging-coin' : COIN, coinId: COIN, snapshotAt, symbol: 'pc', name: 'Paging Coin', price: `${hour}.5`, rank: 7 };
}

const keyOf = (row: Record<string, unknown>) => `${String(row['snapshot_at'])}|${String(row['source'])}`;

describeEachBackend('market-data API: paging while rows are written', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let app: FastifyInstance;

  beforeAll(async () => {
    database = await createTestDatabase('api_market_paging', { backend });
    pipeline = await startPipeline(database);
    await sql`INSERT INTO silver.coins (coin_id, symbol, name, first_seen_at) VALUES (${COIN}, 'pc', 'Paging Coin', now())`.execute(database.db);
    app = await buildApp({ runtime: pipeline.runtime });
  });

  afterAll(async () => {
    await app?.close();
    await pipeline?.stop();
    await database?.destroy();
  });

  async function page(url: string): Promise<{ rows: Record<string, unknown>[]; next: string | null }> {
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<{ quotes?: Record<string, unknown>[]; coins?: Record<string, unknown>[]; next_cursor: string | null }>();
    return { rows: body.quotes ?? body.coins ?? [], next: body.next_cursor };
  }

  it.each(['asc', 'desc'] as const)('history (order=%s): every row that existed is returned once, none twice', async (order) => {
    await sql`DELETE FROM silver.market_quotes WHERE coin_id = ${COIN}`.execute(database.db);
    // Even hours 0..398, every source: 600 rows. Odd hours are free for inserts in between.
    const existing = SOURCES.flatMap((source) => Array.from({ length: 200 }, (_, index) => quote(source, index * 2)));
    await insertQuotes(database.db, existing);
    const expected = new Set(existing.map((row) => `${row.snapshotAt}|${row.source}`));

    const seen: string[] = [];
    let cursor: string | null = null;
    let written = 0;
    let pages = 0;
    do {
      const result = await page(`/api/v1/market/coins/${COIN}/history?order=${order}&limit=37${cursor === null ? '' : `&cursor=${cursor}`}`);
      seen.push(...result.rows.map(keyOf));
      cursor = result.next;
      pages += 1;
      const last = result.rows.at(-1);
      if (last === undefined) continue;
      // Between pages: a row just behind the client, one just ahead, one far ahead, one at the
      // client's own snapshot under a new source, and a backfilled one at the very start.
      const at = Math.round((Date.parse(String(last['snapshot_at'])) - START) / HOUR);
      const step = order === 'asc' ? 1 : -1;
      const extra = [quote('coingecko', at - step), quote('coinpaprika', at + step), quote('kaggle', at + 41 * step), quote(`late_${pages}`, at), quote('backfill', -1 - pages)];
      await insertQuotes(database.db, extra);
      written += extra.length;
    } while (cursor !== null && pages < 200);

    expect(written).toBeGreaterThan(0);
    const counts = new Map<string, number>();
    for (const key of seen) counts.set(key, (counts.get(key) ?? 0) + 1);
    const twice = [...counts].filter(([, count]) => count > 1).map(([key]) => key);
    const missing = [...expected].filter((key) => !counts.has(key));
    expect({ twice, missing }).toEqual({ twice: [], missing: [] });
    // And the page order stayed the key order throughout.
    const sorted = [...seen].sort();
    expect(seen).toEqual(order === 'asc' ? sorted : sorted.reverse());
  });

  it.each(['asc', 'desc'] as const)('history (order=%s): snapshots a microsecond apart page one by one (cursors keep microseconds)', async (order) => {
    await sql`DELETE FROM silver.market_quotes WHERE coin_id = ${COIN}`.execute(database.db);
    const times = ['2025-03-01 00:00:00.000001+00', '2025-03-01 00:00:00.000002+00', '2025-03-01 00:00:00.000003+00', '2025-03-01 00:00:00.001+00'];
    await insertQuotes(database.db, times.map((snapshotAt, index) => ({ ...quote('coingecko', 0), snapshotAt, price: `${index}` })));
    const prices: unknown[] = [];
    let cursor: string | null = null;
    do {
      const result = await page(`/api/v1/market/coins/${COIN}/history?order=${order}&limit=1${cursor === null ? '' : `&cursor=${cursor}`}`);
      prices.push(...result.rows.map((row) => row['price_usd']));
      cursor = result.next;
    } while (cursor !== null && prices.length < 10);
    expect(prices).toEqual(order === 'asc' ? ['0', '1', '2', '3'] : ['3', '2', '1', '0']);
  });

  it('coins: the listing pages past coins inserted while it is read, never repeating one', async () => {
    const ids = Array.from({ length: 120 }, (_, index) => `coin-${String(index * 2).padStart(4, '0')}`);
    for (const id of ids) await sql`INSERT INTO silver.coins (coin_id, symbol, name, first_seen_at) VALUES (${id}, 'c', ${id}, now())`.execute(database.db);
    const before = new Set([COIN, ...ids]);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const result = await page(`/api/v1/market/coins?limit=11${cursor === null ? '' : `&cursor=${cursor}`}`);
      seen.push(...result.rows.map((row) => String(row['coin_id'])));
      cursor = result.next;
      pages += 1;
      const last = String(result.rows.at(-1)?.['coin_id'] ?? 'coin-0000');
      const number = Number(last.slice(5));
      for (const inserted of [`coin-${String(number - 1).padStart(4, '0')}`, `coin-${String(number + 1).padStart(4, '0')}`, `coin-0000-${pages}`]) {
        await sql`INSERT INTO silver.coins (coin_id, symbol, name, first_seen_at) VALUES (${inserted}, 'c', ${inserted}, now()) ON CONFLICT DO NOTHING`.execute(database.db);
      }
    } while (cursor !== null && pages < 100);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...before].filter((id) => !seen.includes(id))).toEqual([]);
  });
});
