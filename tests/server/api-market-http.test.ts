/**
 * The market-data API's HTTP contract: `X-Request-Id` and `Server-Timing` on every response
 * (200, 304, 400, 404, unknown market paths), a strong ETag of the body with `If-None-Match` →
 * 304 and no body, a new ETag once the data changes, and `Cache-Control` per endpoint.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { strongEtag } from '../../src/server/http-caching.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';
import { insertQuotes, seedMarket } from './api-market-seed.js';

const SERVER_TIMING = /^db;dur=\d+\.\d, total;dur=\d+\.\d$/;
const STRONG_ETAG = /^"[A-Za-z0-9_-]{32}"$/;

describeEachBackend('market-data API over HTTP', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let app: FastifyInstance;

  beforeAll(async () => {
    database = await createTestDatabase('api_market_http', { backend });
    pipeline = await startPipeline(database);
    await seedMarket(database.db);
    app = await buildApp({ runtime: pipeline.runtime });
  });

  afterAll(async () => {
    await app?.close();
    await pipeline?.stop();
    await database?.destroy();
  });

  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

  function expectTimingAndId(response: LightMyRequestResponse, url: string): void {
    expect(response.headers['x-request-id'], url).toEqual(expect.any(String));
    expect(response.headers['server-timing'], url).toMatch(SERVER_TIMING);
  }

  it.each([
    ['/api/v1/market/coins', 200],
    ['/api/v1/market/latest?limit=2', 200],
    ['/api/v1/market/coins/bitcoin/history', 200],
    ['/api/v1/market/coins/bitcoin/daily', 200],
    ['/api/v1/market/marts/market_daily', 200],
    ['/api/v1/market/coins?limit=100000', 400],
    ['/api/v1/market/coins?cursor=garbage', 400],
    ['/api/v1/market/coins/nope/history', 404],
    ['/api/v1/market/marts/nope', 404],
    ['/api/v1/market/no-such-route', 404],
  ])('GET %s (%i) carries X-Request-Id and Server-Timing', async (url, status) => {
    const response = await get(url);
    expect(response.statusCode).toBe(status);
    expectTimingAndId(response, url);
    if (status === 200) {
      expect(response.headers['etag']).toBe(strongEtag(response.body));
      expect(response.headers['etag']).toMatch(STRONG_ETAG);
    } else {
      expect(response.headers['etag']).toBeUndefined();
      expect(response.headers['cache-control']).toBeUndefined();
    }
  });

  it('a database read shows in Server-Timing’s db duration; a request refused before it shows 0', async () => {
    const read = await get('/api/v1/market/latest');
    const refused = await get('/api/v1/market/latest?limit=0');
    const db = (response: LightMyRequestResponse) => Number(/db;dur=([\d.]+)/.exec(String(response.headers['server-timing']))?.[1]);
    expect(db(read)).toBeGreaterThan(0);
    expect(db(refused)).toBe(0);
  });

  it('keeps a caller’s X-Request-Id', async () => {
    const response = await get('/api/v1/market/coins', { 'x-request-id': 'client-42' });
    expect(response.headers['x-request-id']).toBe('client-42');
  });

  it('If-None-Match with the ETag answers 304 with no body, with the same headers; W/ and lists match too', async () => {
    const first = await get('/api/v1/market/coins/bitcoin/history');
    const etag = String(first.headers['etag']);
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const again = await get('/api/v1/market/coins/bitcoin/history', { 'if-none-match': ifNoneMatch, 'x-request-id': 'revalidate-1' });
      expect(again.statusCode, ifNoneMatch).toBe(304);
      expect(again.body).toBe('');
      expect(again.headers['etag']).toBe(etag);
      expect(again.headers['x-request-id']).toBe('revalidate-1');
      expect(again.headers['server-timing']).toMatch(SERVER_TIMING);
      expect(again.headers['cache-control']).toBe(first.headers['cache-control']);
    }
    const head = await app.inject({ method: 'HEAD', url: '/api/v1/market/coins/bitcoin/history', headers: { 'if-none-match': etag } });
    expect({ status: head.statusCode, etag: head.headers['etag'] }).toEqual({ status: 304, etag });
    const stale = await get('/api/v1/market/coins/bitcoin/history', { 'if-none-match': '"not-the-etag"' });
    expect(stale.statusCode).toBe(200);
    expect(stale.body).toBe(first.body);
  });

  it('a new quote changes the ETag: the old one gets the new body', async () => {
    const before = await get('/api/v1/market/latest?source=coingecko');
    const etag = String(before.headers['etag']);
    expect((await get('/api/v1/market/latest?source=coingecko', { 'if-none-match': etag })).statusCode).toBe(304);
    await insertQuotes(database.db, [
      { source: 'coingecko', sourceCoinId: 'bitcoin', coinId: 'bitcoin', snapshotAt: '2025-02-09T18:00:00Z', symbol: 'btc', name: 'Bitcoin', price: '99000', rank: 1 },
    ]);
    try {
      const after = await get('/api/v1/market/latest?source=coingecko', { 'if-none-match': etag });
      expect(after.statusCode).toBe(200);
      expect(after.headers['etag']).not.toBe(etag);
      expect(after.json<{ snapshots: unknown }>().snapshots).toEqual([{ source: 'coingecko', snapshot_at: '2025-02-09T18:00:00.000Z' }]);
    } finally {
      await sql`DELETE FROM silver.market_quotes WHERE snapshot_at = '2025-02-09T18:00:00Z'`.execute(database.db);
    }
  });

  it.each([
    ['/api/v1/market/latest', 60],
    ['/api/v1/market/coins', 300],
    ['/api/v1/market/coins/bitcoin/history', 60],
    ['/api/v1/market/coins/bitcoin/history?to=2025-02-10', 3600],
    ['/api/v1/market/coins/bitcoin/history?to=9999-01-01', 60],
    ['/api/v1/market/coins/bitcoin/daily?to=2025-02-09', 3600],
    ['/api/v1/market/coins/bitcoin/daily?from=2025-02-01', 60],
    ['/api/v1/market/marts/crypto_analytics_mart?to=2025-02-10T00:00:00Z', 3600],
    ['/api/v1/market/marts/market_daily?to=2025-02-09', 3600],
    ['/api/v1/market/marts/market_daily', 60],
  ])('GET %s: Cache-Control public, max-age=%i', async (url, seconds) => {
    const response = await get(url);
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe(`public, max-age=${seconds}`);
  });
});
