/**
 * The market-data API over what the pipeline itself wrote: one materialization of the recorded
 * CoinGecko page, then the coins, the latest snapshot, a coin's history and the marts agree
 * with the silver and gold tables, and paging the whole latest snapshot returns every quote once.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { PARTITION, SNAPSHOT_AT, querySql, startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';

type Row = Record<string, unknown>;

describeEachBackend('market-data API over a pipeline run', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let app: FastifyInstance;

  beforeAll(async () => {
    database = await createTestDatabase('api_market_smoke', { backend });
    pipeline = await startPipeline(database);
    const { result } = await pipeline.materialize(PARTITION);
    expect(result.status).toBe('SUCCESS');
    app = await buildApp({ runtime: pipeline.runtime });
  });

  afterAll(async () => {
    await app?.close();
    await pipeline?.stop();
    await database?.destroy();
  });

  const get = async (url: string) => {
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<Row>();
  };

  async function pageThrough(url: string, rowsKey: string): Promise<Row[]> {
    const rows: Row[] = [];
    let cursor: string | null = null;
    do {
      const body = await get(cursor === null ? url : `${url}&cursor=${cursor}`);
      rows.push(...(body[rowsKey] as Row[]));
      cursor = body['next_cursor'] as string | null;
    } while (cursor !== null);
    return rows;
  }

  it('latest, paged by 37, is the snapshot’s quotes in rank order, each once', async () => {
    const stored = await querySql<{ source_coin_id: string }>(
      database,
      `SELECT source_coin_id FROM silver.market_quotes WHERE source = 'coingecko' AND snapshot_at = $1
       ORDER BY coalesce(market_cap_rank, 2147483647), source_coin_id`,
      [SNAPSHOT_AT],
    );
    expect(stored.length).toBeGreaterThan(200);
    const quotes = await pageThrough('/api/v1/market/latest?source=coingecko&limit=37', 'quotes');
    expect(quotes.map((quote) => quote['source_coin_id'])).toEqual(stored.map((row) => row.source_coin_id));
    expect(quotes.every((quote) => quote['snapshot_at'] === SNAPSHOT_AT)).toBe(true);
  });

  it('coins match silver.coins; symbols shared by several coins stay several coins', async () => {
    const stored = await querySql<{ coin_id: string; symbol: string }>(database, 'SELECT coin_id, symbol FROM silver.coins ORDER BY coin_id');
    const coins = await pageThrough('/api/v1/market/coins?limit=100', 'coins');
    expect(coins.map((coin) => coin['coin_id'])).toEqual(stored.map((row) => row.coin_id));
    const bySymbol = new Map<string, number>();
    for (const row of stored) bySymbol.set(row.symbol, (bySymbol.get(row.symbol) ?? 0) + 1);
    const [symbol, count] = [...bySymbol].sort(([, a], [, b]) => b - a)[0] ?? ['', 0];
    const shared = await get(`/api/v1/market/coins?symbol=${encodeURIComponent(symbol)}`);
    expect((shared['coins'] as Row[]).length).toBe(count);
  });

  it('bitcoin’s history and the analytics mart answer the run’s rows', async () => {
    const history = await get('/api/v1/market/coins/bitcoin/history');
    expect(history['quotes']).toEqual([expect.objectContaining({ source: 'coingecko', coin_id: 'bitcoin', snapshot_at: SNAPSHOT_AT, market_cap_rank: 1 })]);
    const mart = await pageThrough('/api/v1/market/marts/crypto_analytics_mart?limit=20', 'rows');
    const [{ n }] = (await querySql<{ n: number }>(database, 'SELECT count(*)::int AS n FROM gold.crypto_analytics_mart')) as [{ n: number }];
    expect(mart).toHaveLength(n);
  });
});
