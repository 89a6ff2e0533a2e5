/**
 * The market-data API (`/api/v1/market`) over seeded tables: filters, coins never merged by
 * symbol, keyset pages that add up to the whole listing in every sort and order, the page-size
 * limits, malformed cursors and sorts outside the whitelist (400), unknown coins and marts (404).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';
import { COINS, WETH_COINS, seedMarket } from './api-market-seed.js';

type Row = Record<string, unknown>;
interface Answer {
  status: number;
  body: Row;
}

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describeEachBackend('market-data API', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let app: FastifyInstance;

  beforeAll(async () => {
    database = await createTestDatabase('api_market', { backend });
    pipeline = await startPipeline(database);
    await seedMarket(database.db);
    app = await buildApp({ runtime: pipeline.runtime });
  });

  afterAll(async () => {
    await app?.close();
    await pipeline?.stop();
    await database?.destroy();
  });

  const get = async (url: string, on: FastifyInstance = app): Promise<Answer> => {
    const response = await on.inject({ method: 'GET', url });
    return { status: response.statusCode, body: response.json<Row>() };
  };

  /** Follows next_cursor to the end; the rows of every page, in order. */
  async function pageThrough(url: string, rowsKey: string): Promise<{ rows: Row[]; pages: number }> {
    const rows: Row[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const separator = url.includes('?') ? '&' : '?';
      const { status, body } = await get(cursor === null ? url : `${url}${separator}cursor=${cursor}`);
      expect(status, JSON.stringify(body)).toBe(200);
      rows.push(...(body[rowsKey] as Row[]));
      cursor = body['next_cursor'] as string | null;
      pages += 1;
      expect(pages).toBeLessThan(100);
    } while (cursor !== null);
    return { rows, pages };
  }

  async function expectError(url: string, status: number, code: string, message: RegExp): Promise<void> {
    const answer = await get(url);
    expect({ url, status: answer.status, error: answer.body['error'], message: answer.body['message'] }).toEqual({
      url,
      status,
      error: code,
      message: expect.stringMatching(message) as unknown as string,
    });
  }

  describe('coins', () => {
    it('lists every coin by coin_id; symbol=weth answers the five distinct weth coins, never one merged', async () => {
      const all = await get('/api/v1/market/coins');
      expect(all.status).toBe(200);
      expect((all.body['coins'] as Row[]).map((coin) => coin['coin_id'])).toEqual(COINS.map(([id]) => id).sort());
      expect(all.body['next_cursor']).toBeNull();

      for (const symbol of ['weth', 'WETH']) {
        const weth = await get(`/api/v1/market/coins?symbol=${symbol}`);
        const coins = weth.body['coins'] as Row[];
        expect(coins.map((coin) => coin['coin_id'])).toEqual([...WETH_COINS].sort());
        expect(new Set(coins.map((coin) => coin['name'])).size).toBe(5);
      }
      const one = await get('/api/v1/market/coins?coin_id=base-bridged-weth');
      expect(one.body['coins']).toEqual([
        { coin_id: 'base-bridged-weth', symbol: 'weth', name: 'Base Bridged WETH', image: 'https://img.example/base-bridged-weth.png', first_seen_at: '2025-02-09T00:00:00.000Z' },
      ]);
    });

    it('source= keeps the coins that source quoted', async () => {
      const paprika = await get('/api/v1/market/coins?source=coinpaprika');
      expect((paprika.body['coins'] as Row[]).map((coin) => coin['coin_id'])).toEqual(['bitcoin', 'ethereum', 'weth']);
      const none = await get('/api/v1/market/coins?source=kaggle');
      expect(none.body).toEqual({ coins: [], next_cursor: null });
    });

    it.each([
      ['sort=coin_id&order=asc', (ids: string[]) => ids.sort()],
      ['sort=coin_id&order=desc', (ids: string[]) => ids.sort().reverse()],
      ['sort=symbol&order=asc', () => [...COINS].sort(([a, sa], [b, sb]) => (sa === sb ? (a < b ? -1 : 1) : sa < sb ? -1 : 1)).map(([id]) => id)],
    ])('pages of 2 with %s add up to the whole listing, in order', async (query, expected) => {
      const { rows, pages } = await pageThrough(`/api/v1/market/coins?limit=2&${query}`, 'coins');
      expect(rows.map((row) => row['coin_id'])).toEqual(expected(COINS.map(([id]) => id)));
      expect(pages).toBe(5);
    });
  });

  describe('latest', () => {
    it('answers the newest snapshot of each source, by source then rank, unranked last', async () => {
      const { status, body } = await get('/api/v1/market/latest');
      expect(status).toBe(200);
      expect(body['snapshots']).toEqual([
        { source: 'coingecko', snapshot_at: '2025-02-09T12:00:00.000Z' },
        { source: 'coinpaprika', snapshot_at: '2025-02-09T12:00:00.123Z' },
      ]);
      const quotes = body['quotes'] as Row[];
      expect(quotes.map((quote) => `${String(quote['source'])}:${String(quote['source_coin_id'])}`)).toEqual([
        'coingecko:bitcoin', 'coingecko:ethereum', 'coingecko:tether', 'coingecko:solana', 'coingecko:weth',
        'coingecko:arbitrum-bridged-weth', 'coingecko:linea-bridged-weth', 'coingecko:polygon-pos-bridged-weth', 'coingecko:base-bridged-weth',
        'coinpaprika:btc-bitcoin', 'coinpaprika:eth-ethereum', 'coinpaprika:weth-weth', 'coinpaprika:xyz-unknown',
      ]);
      expect(quotes.find((quote) => quote['source_coin_id'] === 'xyz-unknown')).toMatchObject({ coin_id: null, market_cap_rank: null, price_usd: '201.5' });
      expect(quotes[0]).toMatchObject({ coin_id: 'bitcoin', snapshot_at: '2025-02-09T12:00:00.000Z', price_usd: '102.7', market_cap_rank: 1 });
    });

    it('filters by source, symbol and coin_id without merging coins', async () => {
      const paprika = await get('/api/v1/market/latest?source=coinpaprika');
      expect((paprika.body['quotes'] as Row[]).map((quote) => quote['source_coin_id'])).toEqual(['btc-bitcoin', 'eth-ethereum', 'weth-weth', 'xyz-unknown']);
      expect(paprika.body['snapshots']).toEqual([{ source: 'coinpaprika', snapshot_at: '2025-02-09T12:00:00.123Z' }]);
      const weth = await get('/api/v1/market/latest?symbol=WETH');
      expect((weth.body['quotes'] as Row[]).map((quote) => `${String(quote['source'])}:${String(quote['coin_id'])}`)).toEqual([
        'coingecko:weth', 'coingecko:arbitrum-bridged-weth', 'coingecko:linea-bridged-weth', 'coingecko:polygon-pos-bridged-weth',
        'coingecko:base-bridged-weth', 'coinpaprika:weth',
      ]);
      const bitcoin = await get('/api/v1/market/latest?coin_id=bitcoin');
      expect((bitcoin.body['quotes'] as Row[]).map((quote) => quote['source'])).toEqual(['coingecko', 'coinpaprika']);
      const none = await get('/api/v1/market/latest?source=kaggle');
      expect(none.body).toEqual({ snapshots: [], quotes: [], next_cursor: null });
    });

    it.each(['asc', 'desc'])('pages of every size add up to the whole listing (order=%s), across sources', async (order) => {
      const whole = (await get(`/api/v1/market/latest?order=${order}`)).body['quotes'] as Row[];
      expect(whole).toHaveLength(13);
      if (order === 'desc') expect(whole[0]).toMatchObject({ source: 'coinpaprika', source_coin_id: 'xyz-unknown' });
      for (const size of [1, 2, 4, 9, 12, 13]) {
        const { rows, pages } = await pageThrough(`/api/v1/market/latest?order=${order}&limit=${size}`, 'quotes');
        expect(rows, `limit=${size}`).toEqual(whole);
        expect(pages).toBe(Math.ceil(13 / size));
      }
    });
  });

  describe('history and daily', () => {
    it('a coin’s quotes from every source over time, keyed (snapshot_at, source), both orders', async () => {
      const { body } = await get('/api/v1/market/coins/bitcoin/history');
      const keys = (body['quotes'] as Row[]).map((quote) => `${String(quote['snapshot_at'])} ${String(quote['source'])}`);
      expect(keys).toEqual([
        '2025-02-09T00:00:00.000Z coingecko',
        '2025-02-09T06:00:00.000Z coingecko',
        '2025-02-09T06:00:00.000Z coinpaprika',
        '2025-02-09T12:00:00.000Z coingecko',
        '2025-02-09T12:00:00.123Z coinpaprika',
      ]);
      const desc = await pageThrough('/api/v1/market/coins/bitcoin/history?order=desc&limit=1', 'quotes');
      expect(desc.rows.map((quote) => `${String(quote['snapshot_at'])} ${String(quote['source'])}`)).toEqual([...keys].reverse());
      const asc = await pageThrough('/api/v1/market/coins/bitcoin/history?limit=2', 'quotes');
      expect(asc.rows).toEqual(body['quotes']);
    });

    it('filters by source and a [from, to) range', async () => {
      const paprika = await get('/api/v1/market/coins/bitcoin/history?source=coinpaprika');
      expect((paprika.body['quotes'] as Row[]).map((quote) => quote['source_coin_id'])).toEqual(['btc-bitcoin', 'btc-bitcoin']);
      const range = await get('/api/v1/market/coins/bitcoin/history?from=2025-02-09T06:00:00Z&to=2025-02-09T12:00:00Z');
      expect((range.body['quotes'] as Row[]).map((quote) => quote['snapshot_at'])).toEqual(['2025-02-09T06:00:00.000Z', '2025-02-09T06:00:00.000Z']);
      const weth = await get('/api/v1/market/coins/base-bridged-weth/history');
      expect((weth.body['quotes'] as Row[]).map((quote) => quote['coin_id'])).toEqual(['base-bridged-weth', 'base-bridged-weth', 'base-bridged-weth']);
    });

    it('daily prices from silver.price_history, from and to included, exact', async () => {
      const { status, body } = await get('/api/v1/market/coins/bitcoin/daily?from=2025-02-03&to=2025-02-05');
      expect(status).toBe(200);
      expect(body['days']).toEqual(
        [3, 4, 5].map((day) => ({
          coin_id: 'bitcoin', day: `2025-02-0${day}`, price_usd: `9${day}000.123456789012345678`, market_cap_usd: null, total_volume_usd: null,
          points: 24, last_point_at: `2025-02-0${day}T23:00:00.000Z`,
        })),
      );
      const desc = await pageThrough('/api/v1/market/coins/bitcoin/daily?order=desc&limit=4', 'days');
      expect(desc.rows.map((row) => row['day'])).toEqual(['09', '08', '07', '06', '05', '04', '03', '02', '01'].map((day) => `2025-02-${day}`));
      expect(desc.pages).toBe(3);
      const known = await get('/api/v1/market/coins/ethereum/daily');
      expect(known.body).toEqual({ coin_id: 'ethereum', days: [], next_cursor: null });
    });

    it('an unknown coin is 404 COIN_NOT_FOUND', async () => {
      await expectError('/api/v1/market/coins/no-such-coin/history', 404, 'COIN_NOT_FOUND', /no coin 'no-such-coin'/);
      await expectError('/api/v1/market/coins/no-such-coin/daily', 404, 'COIN_NOT_FOUND', /no coin 'no-such-coin'/);
      await expectError('/api/v1/market/coins/btc/history', 404, 'COIN_NOT_FOUND', /'btc'/);
    });
  });

  describe('marts', () => {
    it.each([
      ['crypto_analytics_mart', 18, 'snapshot_at'],
      ['market_segment_analysis', 9, 'snapshot_at'],
      ['daily_coin_summary', 10, 'day'],
      ['source_reconciliation', 9, 'snapshot_at'],
      ['market_daily', 20, 'day'],
    ])('%s: pages of 4 in primary-key order add up to all %i rows, both orders', async (mart, total, timeColumn) => {
      const whole = await get(`/api/v1/market/marts/${mart}?limit=1000`);
      expect(whole.status).toBe(200);
      const rows = whole.body['rows'] as Row[];
      expect(rows).toHaveLength(total);
      const times = rows.map((row) => String(row[timeColumn]));
      expect(times).toEqual([...times].sort());
      expect((await pageThrough(`/api/v1/market/marts/${mart}?limit=4`, 'rows')).rows).toEqual(rows);
      expect((await pageThrough(`/api/v1/market/marts/${mart}?limit=4&order=desc`, 'rows')).rows).toEqual([...rows].reverse());
    });

    it('filters by the mart’s own columns; a column it lacks is a 400 naming its filters', async () => {
      const weth = await get('/api/v1/market/marts/crypto_analytics_mart?symbol=WETH&from=2025-02-09T06:00:00Z');
      expect((weth.body['rows'] as Row[]).map((row) => `${String(row['snapshot_at'])} ${String(row['coin_id'])}`)).toEqual([
        '2025-02-09T06:00:00.000Z arbitrum-bridged-weth', '2025-02-09T06:00:00.000Z weth',
        '2025-02-09T12:00:00.000Z arbitrum-bridged-weth', '2025-02-09T12:00:00.000Z weth',
      ]);
      const daily = await get('/api/v1/market/marts/market_daily?source=coinpaprika&coin_id=bitcoin&from=2025-02-09&to=2025-02-09');
      expect(daily.body['rows']).toEqual([expect.objectContaining({ day: '2025-02-09', source: 'coinpaprika', coin_id: 'bitcoin', open_price: '1.25' })]);
      const days = await get('/api/v1/market/marts/daily_coin_summary?to=2025-02-08&coin_id=tether');
      expect((days.body['rows'] as Row[]).map((row) => row['day'])).toEqual(['2025-02-08']);
      await expectError('/api/v1/market/marts/market_segment_analysis?coin_id=bitcoin', 400, 'VALIDATION_FAILED', /coin_id: market_segment_analysis has no coin_id column; its filters: from, to$/);
      await expectError('/api/v1/market/marts/crypto_analytics_mart?source=coingecko', 400, 'VALIDATION_FAILED', /its filters: from, to, coin_id, symbol/);
    });

    it('source_reconciliation prices stay exact strings per source', async () => {
      const { body } = await get('/api/v1/market/marts/source_reconciliation?coin_id=bitcoin&limit=1');
      expect(body['rows']).toEqual([
        expect.objectContaining({ prices: { coingecko: '97123.456789012345678901', coinpaprika: '97080.1' }, max_price: '97123.456789012345678901', flagged: false }),
      ]);
    });

    it('an unknown mart is 404 MART_NOT_FOUND listing the marts; a sort other than its time column is 400', async () => {
      await expectError('/api/v1/market/marts/nope', 404, 'MART_NOT_FOUND', /marts: crypto_analytics_mart, market_segment_analysis, daily_coin_summary, source_reconciliation, market_daily/);
      await expectError('/api/v1/market/marts/daily_coin_summary?sort=close_price', 400, 'VALIDATION_FAILED', /'close_price' is not a sort of daily_coin_summary; allowed: day/);
    });
  });

  describe('limits, cursors and sorts', () => {
    it('limit defaults to the configured page size; above the maximum is a 400 naming it, not clamped', async () => {
      const small = await startPipeline(database, { env: { STRATA_MARKET_API_PAGE_SIZE: '2', STRATA_MARKET_API_MAX_PAGE_SIZE: '5' } });
      const smallApp = await buildApp({ runtime: small.runtime });
      try {
        const page = await get('/api/v1/market/coins', smallApp);
        expect((page.body['coins'] as Row[]).length).toBe(2);
        expect(page.body['next_cursor']).toEqual(expect.any(String));
        expect((await get('/api/v1/market/coins?limit=5', smallApp)).status).toBe(200);
        const over = await get('/api/v1/market/latest?limit=6', smallApp);
        expect(over).toEqual({ status: 400, body: { error: 'VALIDATION_FAILED', message: expect.stringMatching(/limit.*at most 5/) as unknown as string } });
      } finally {
        await smallApp.close();
        await small.stop();
      }
      await expectError('/api/v1/market/coins?limit=1001', 400, 'VALIDATION_FAILED', /querystring\.limit: limit is at most 1000/);
      await expectError('/api/v1/market/coins?limit=0', 400, 'VALIDATION_FAILED', /limit is at least 1/);
      await expectError('/api/v1/market/coins?limit=2.5', 400, 'VALIDATION_FAILED', /limit/);
    });

    it('a malformed or foreign cursor is a 400 CURSOR_INVALID', async () => {
      const history = await get('/api/v1/market/coins/bitcoin/history?limit=1');
      const historyCursor = history.body['next_cursor'] as string;
      const cases: [string, RegExp][] = [
        ['/api/v1/market/coins?cursor=not-a-cursor', /not a cursor of this API/],
        [`/api/v1/market/coins?cursor=${cursorOf('text')}`, /not a cursor of this API/],
        [`/api/v1/market/coins?cursor=${cursorOf({ s: 'coin_id', o: 'asc', k: [1] })}`, /key does not fit/],
        [`/api/v1/market/coins?cursor=${cursorOf({ s: 'coin_id', o: 'asc', k: ['a', 'b'] })}`, /key does not fit/],
        [`/api/v1/market/coins?cursor=${cursorOf({ s: 'coin_id', o: 'asc', k: ['a\u0000'] })}`, /key does not fit/],
        [`/api/v1/market/latest?cursor=${cursorOf({ s: 'market_cap_rank', o: 'asc', k: ['coingecko', 'first', 'x'] })}`, /key does not fit/],
        [`/api/v1/market/latest?cursor=${cursorOf({ s: 'market_cap_rank', o: 'asc', k: ['coingecko', '99999999999', 'x'] })}`, /key does not fit/],
        [`/api/v1/market/coins/bitcoin/history?cursor=${cursorOf({ s: 'snapshot_at', o: 'asc', k: ['2025-02-30T00:00:00.000000Z', 'a', 'b'] })}`, /key does not fit/],
        [`/api/v1/market/coins/bitcoin/daily?cursor=${cursorOf({ s: 'day', o: 'asc', k: ['2025-13-01'] })}`, /key does not fit/],
        [`/api/v1/market/coins/bitcoin/daily?cursor=${cursorOf({ s: 'day', o: 'asc', k: ['0000-01-01'] })}`, /key does not fit/],
        [`/api/v1/market/coins/bitcoin/history?cursor=${cursorOf({ s: 'snapshot_at', o: 'asc', k: ['0000-06-01T00:00:00.000000Z', 'a', 'b'] })}`, /key does not fit/],
        [`/api/v1/market/coins/bitcoin/history?order=desc&cursor=${historyCursor}`, /made for sort=snapshot_at order=asc, not sort=snapshot_at order=desc/],
        [`/api/v1/market/coins?cursor=${historyCursor}`, /made for sort=snapshot_at order=asc, not sort=coin_id order=asc/],
        [`/api/v1/market/marts/market_daily?cursor=${historyCursor}`, /made for sort=snapshot_at/],
      ];
      for (const [url, message] of cases) await expectError(url, 400, 'CURSOR_INVALID', message);
      expect((await get(`/api/v1/market/coins/bitcoin/history?cursor=${historyCursor}`)).status).toBe(200);
    });

    it('a sort outside the whitelist is a 400 listing the allowed values', async () => {
      await expectError('/api/v1/market/coins?sort=name', 400, 'VALIDATION_FAILED', /querystring\.sort: .*"coin_id"\|"symbol"/);
      await expectError('/api/v1/market/latest?sort=price_usd', 400, 'VALIDATION_FAILED', /querystring\.sort: .*"market_cap_rank"/);
      await expectError('/api/v1/market/coins/bitcoin/history?sort=source', 400, 'VALIDATION_FAILED', /querystring\.sort: .*"snapshot_at"/);
      await expectError('/api/v1/market/coins/bitcoin/daily?order=up', 400, 'VALIDATION_FAILED', /querystring\.order/);
    });

    it('rejects bad filters with 400 naming the field', async () => {
      await expectError('/api/v1/market/latest?source=Coin%20Gecko', 400, 'VALIDATION_FAILED', /querystring\.source: a source is lower snake case/);
      await expectError('/api/v1/market/coins?symbol=%00', 400, 'VALIDATION_FAILED', /querystring\.symbol/);
      await expectError('/api/v1/market/coins/bitcoin/history?from=yesterday', 400, 'VALIDATION_FAILED', /querystring\.from/);
      await expectError('/api/v1/market/coins/bitcoin/daily?to=2025-02-30', 400, 'VALIDATION_FAILED', /querystring\.to/);
    });
  });
});
