/**
 * Property-based fuzz of every /api/v1 route (fast-check): arbitrary path parameters, query
 * strings and JSON bodies — unicode, huge numbers, nested objects, arrays, repeated keys —
 * must never answer 5xx. Known keys and real ids are mixed in so the validators are passed and
 * the read models and actions behind them are exercised too.
 */
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { PARTITION, startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';

const RUNS_PER_ROUTE = 120;

/** Method, path template (`{name}` parameters), the query keys and body keys it knows. */
const ROUTES: [method: 'GET' | 'POST', template: string, query: string[], body: string[]][] = [
  ['GET', '/api/v1/assets', [], []],
  ['GET', '/api/v1/assets/{layer}/{name}', [], []],
  ['GET', '/api/v1/assets/{layer}/{name}/materializations', ['limit', 'before'], []],
  ['GET', '/api/v1/assets/{layer}/{name}/partitions', ['days'], []],
  ['GET', '/api/v1/assets/{layer}/{name}/checks', [], []],
  ['GET', '/api/v1/graph', [], []],
  ['GET', '/api/v1/runs', ['status', 'asset', 'trigger', 'from', 'to', 'limit', 'cursor'], []],
  ['GET', '/api/v1/runs/{run}', [], []],
  ['GET', '/api/v1/runs/{run}/events', ['after', 'before', 'limit'], []],
  ['POST', '/api/v1/runs', [], ['selection', 'partition', 'partitions', 'tags']],
  ['POST', '/api/v1/runs/{run}/cancel', [], []],
  ['POST', '/api/v1/runs/{run}/reexecute', [], ['fromFailure']],
  ['GET', '/api/v1/schedules', [], []],
  ['GET', '/api/v1/schedules/{schedule}', ['limit', 'before'], []],
  ['POST', '/api/v1/schedules/{schedule}/enable', [], []],
  ['POST', '/api/v1/schedules/{schedule}/disable', [], []],
  ['GET', '/api/v1/backfills', ['limit'], []],
  ['GET', '/api/v1/backfills/{backfill}', [], []],
  ['POST', '/api/v1/backfills', [], ['selection', 'from', 'to', 'chunk']],
  ['POST', '/api/v1/backfills/{backfill}/cancel', [], []],
  ['POST', '/api/v1/backfills/{backfill}/reexecute-failed', [], []],
  ['GET', '/api/v1/marts', [], []],
  ['GET', '/api/v1/marts/{mart}/rows', ['partition', 'sort', 'order', 'limit', 'offset'], []],
  ['GET', '/api/v1/drift', ['source', 'kind'], []],
  ['GET', '/api/v1/market/coins', ['symbol', 'coin_id', 'source', 'sort', 'order', 'limit', 'cursor'], []],
  ['GET', '/api/v1/market/latest', ['source', 'symbol', 'coin_id', 'sort', 'order', 'limit', 'cursor'], []],
  ['GET', '/api/v1/market/coins/{coin}/history', ['source', 'from', 'to', 'sort', 'order', 'limit', 'cursor'], []],
  ['GET', '/api/v1/market/coins/{coin}/daily', ['from', 'to', 'sort', 'order', 'limit', 'cursor'], []],
  ['GET', '/api/v1/market/marts/{marketMart}', ['from', 'to', 'coin_id', 'symbol', 'source', 'sort', 'order', 'limit', 'cursor'], []],
];

const nasty = fc.constantFrom(
  '', ' ', '0', '-1', '1.5', '1e309', '-0', 'NaN', 'Infinity', 'null', 'true', '[]', '{}', '%', '%00', '%zz', '..', '../..',
  "' OR 1=1 --", '"; DROP TABLE strata.runs; --', '\u0000', '\uD83D\uDE00', '\u202E', '9'.repeat(400), 'x'.repeat(2000),
  PARTITION, '2025-02-09', '2025-02-31T00:00Z', 'QUEUED,SUCCESS', 'FAILURE,', ',', 'manual', '*', 'gold/*', '+silver/market_snapshots',
  '2026-01-01T00:00:00.000Z_00000000-0000-4000-8000-000000000000', '0000-01-01', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z',
  '2025-02-09T12:00:00+14:00', '1969-12-31', '9007199254740993', '-9007199254740993', 'market_cap_rank', 'desc', 'asc', 'new_field',
);

/** Any text a client could put in a query value or path segment. */
const text = fc.oneof(
  nasty,
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer().map(String),
  fc.double().map(String),
  fc.bigInt().map(String),
);

/** No lone surrogates: what a URL can carry. */
function wellFormed(value: string): boolean {
  try {
    encodeURIComponent(value);
    return true;
  } catch {
    return false;
  }
}

/** Something JSON can carry. */
const jsonish = fc.oneof(fc.jsonValue({ maxDepth: 3 }), nasty, fc.array(nasty, { maxLength: 120 }), fc.dictionary(text, nasty, { maxKeys: 5 }));

describeEachBackend('API v1 fuzz: no input answers 5xx', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let app: FastifyInstance;
  const known: Record<string, string[]> = {
    layer: ['bronze', 'silver', 'gold'],
    name: ['coingecko_markets', 'market_snapshots', 'crypto_analytics_mart'],
    schedule: ['daily', 'every_6_hours'],
    mart: ['crypto_analytics_mart', 'market_segment_analysis', 'daily_coin_summary'],
    coin: ['bitcoin', 'ethereum', 'weth'],
    marketMart: ['crypto_analytics_mart', 'market_segment_analysis', 'daily_coin_summary', 'source_reconciliation', 'market_daily'],
    run: ['00000000-0000-4000-8000-000000000000'],
    backfill: ['00000000-0000-4000-8000-000000000000'],
  };

  beforeAll(async () => {
    database = await createTestDatabase('api_fuzz', { backend });
    pipeline = await startPipeline(database);
    const { run } = await pipeline.materialize(PARTITION);
    known['run']?.push(run.id);
    app = await buildApp({ runtime: pipeline.runtime, security: { mutationsPerMinute: 1_000_000 } });
    const backfill = await app.inject({ method: 'POST', url: '/api/v1/backfills', payload: { selection: 'gold/*', from: PARTITION, to: PARTITION } });
    known['backfill']?.push(backfill.json<{ backfill: { id: string } }>().backfill.id);
  });

  afterAll(async () => {
    await app?.close();
    await pipeline?.stop();
    await database?.destroy();
  });

  /** A path segment: a known value, or arbitrary text (percent-encoded, or raw when it is URL-safe). */
  const segment = (parameter: string) =>
    fc.oneof(
      fc.constantFrom(...(known[parameter] ?? ['x'])),
      text.map((value) => (wellFormed(value) ? encodeURIComponent(value) : 'x')),
      fc.constantFrom('%', '%zz', '%2F', 'a%2Fb', '..', '%00'),
    );

  it.each(ROUTES)('%s %s', async (method, template, queryKeys, bodyKeys) => {
    const parameters = [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
    const key = fc.oneof(queryKeys.length > 0 ? fc.constantFrom(...queryKeys) : fc.constant('limit'), text);
    const query = fc.array(fc.tuple(key, text), { maxLength: 6 });
    const body = fc.oneof(
      fc.constant(undefined),
      jsonish,
      fc.record(Object.fromEntries(bodyKeys.map((name) => [name, jsonish])), { requiredKeys: [] }),
      fc.string().map((raw) => ({ raw })),
    );
    const path = fc.tuple(...parameters.map(segment));
    await fc.assert(
      fc.asyncProperty(path, query, body, async (segments, entries, payload) => {
        let url = template;
        segments.forEach((value, index) => {
          url = url.replace(`{${parameters[index] as string}}`, value);
        });
        const search = new URLSearchParams();
        for (const [name, value] of entries) if (wellFormed(name) && wellFormed(value)) search.append(name, value);
        const response = await app.inject({
          method,
          url: `${url}${search.size > 0 ? `?${search.toString()}` : ''}`,
          ...(method === 'POST' && payload !== undefined
            ? typeof payload === 'object' && payload !== null && 'raw' in payload && Object.keys(payload).length === 1
              ? { headers: { 'content-type': 'application/json' }, payload: String(payload.raw) }
              : { headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) }
            : {}),
        });
        if (response.statusCode >= 500) throw new Error(`${method} ${url}?${search.toString()} ${JSON.stringify(payload)?.slice(0, 300)} -> ${response.statusCode} ${response.body}`);
        expect(response.statusCode).toBeLessThan(500);
      }),
      { numRuns: RUNS_PER_ROUTE },
    );
  });

  it('a body over the limit is 413, and a deeply nested one is 4xx', async () => {
    const huge = await app.inject({ method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ selection: 'x'.repeat(70_000) }) });
    expect(huge.statusCode).toBe(413);
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const nested = await app.inject({ method: 'POST', url: '/api/v1/backfills', headers: { 'content-type': 'application/json' }, payload: deep });
    expect(nested.statusCode).toBeGreaterThanOrEqual(400);
    expect(nested.statusCode).toBeLessThan(500);
  });
});
