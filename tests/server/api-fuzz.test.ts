/**
 * Property-based fuzz of every /api/v1 route (fast-check): arbitrary path parameters, query
 * strings and JSON bodies — unicode, huge numbers, nested objects, arrays, repeated keys —
 * must never answer 5xx. The routes, and the query and body keys each knows, come from what
 * Fastify registered (tests/helpers/registered-routes.ts), so a new route is fuzzed the day it
 * is added. Known keys and real ids are mixed in so the validators are passed and the read
 * models and actions behind them are exercised too; the event stream is fed ended runs, so it
 * sends their events and `end` and closes.
 */
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildAppWithRoutes, routeInputs, type RegisteredRoute } from '../helpers/registered-routes.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { PARTITION, startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';

const RUNS_PER_ROUTE = 120;
const STREAM_ROUTE = '/api/v1/runs/:id/events/stream';

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
  let routes: RegisteredRoute[];
  /** Values each path parameter name may take that reach past validation; run ids are of ended runs. */
  const known: Record<string, string[]> = {
    layer: ['bronze', 'silver', 'gold'],
    // Asset, schedule and mart names all arrive as `:name`.
    name: ['coingecko_markets', 'market_snapshots', 'crypto_analytics_mart', 'daily', 'every_6_hours', 'market_segment_analysis', 'daily_coin_summary'],
    coinId: ['bitcoin', 'ethereum', 'weth'],
    mart: ['crypto_analytics_mart', 'market_segment_analysis', 'daily_coin_summary', 'source_reconciliation', 'market_daily'],
    // Run and backfill ids.
    id: ['00000000-0000-4000-8000-000000000000'],
  };

  beforeAll(async () => {
    database = await createTestDatabase('api_fuzz', { backend });
    pipeline = await startPipeline(database);
    const { run } = await pipeline.materialize(PARTITION);
    known['id']?.push(run.id);
    const built = await buildAppWithRoutes({ runtime: pipeline.runtime, security: { mutationsPerMinute: 1_000_000 } });
    app = built.app;
    routes = built.routes.filter((route) => route.url.startsWith('/api/v1/'));
    const backfill = await app.inject({ method: 'POST', url: '/api/v1/backfills', payload: { selection: 'gold/*', from: PARTITION, to: PARTITION } });
    known['id']?.push(backfill.json<{ backfill: { id: string } }>().backfill.id);
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

  it('fuzzes every registered /api/v1 route, the event stream included', () => {
    const fuzzed = routes.map((route) => `${route.method} ${route.url}`);
    expect(fuzzed.length).toBeGreaterThan(25);
    expect(fuzzed).toContain(`GET ${STREAM_ROUTE}`);
    expect(fuzzed).toContain('POST /api/v1/runs');
  });

  it('no registered /api/v1 route answers 5xx, and the event stream ends', { timeout: 600_000 }, async () => {
    for (const route of routes) await fuzzRoute(route);
  });

  async function fuzzRoute(route: RegisteredRoute): Promise<void> {
    const { method, url: template } = route;
    const inputs = routeInputs(route);
    const key = fc.oneof(inputs.query.length > 0 ? fc.constantFrom(...inputs.query) : fc.constant('limit'), text);
    const query = fc.array(fc.tuple(key, text), { maxLength: 6 });
    const body = fc.oneof(
      fc.constant(undefined),
      jsonish,
      fc.record(Object.fromEntries((inputs.body ?? []).map((name) => [name, jsonish])), { requiredKeys: [] }),
      fc.string().map((raw) => ({ raw })),
    );
    const path = fc.tuple(...inputs.params.map(segment));
    await fc.assert(
      fc.asyncProperty(path, query, body, async (segments, entries, payload) => {
        let url = template;
        segments.forEach((value, index) => {
          url = url.replace(`:${inputs.params[index] as string}`, value);
        });
        const search = new URLSearchParams();
        for (const [name, value] of entries) if (wellFormed(name) && wellFormed(value)) search.append(name, value);
        const response = await app.inject({
          method,
          url: `${url}${search.size > 0 ? `?${search.toString()}` : ''}`,
          ...(method !== 'GET' && payload !== undefined
            ? typeof payload === 'object' && payload !== null && 'raw' in payload && Object.keys(payload).length === 1
              ? { headers: { 'content-type': 'application/json' }, payload: String(payload.raw) }
              : { headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) }
            : {}),
        });
        const request = `${method} ${url}?${search.toString()} ${JSON.stringify(payload)?.slice(0, 300)}`;
        if (response.statusCode >= 500) throw new Error(`${request} -> ${response.statusCode} ${response.body}`);
        // inject resolved, so the stream closed; an accepted one ends with its `end` event.
        if (template === STREAM_ROUTE && response.statusCode === 200 && !response.body.includes('event: end\n')) {
          throw new Error(`${request} -> 200 without an end event: ${response.body.slice(-300)}`);
        }
      }),
      { numRuns: RUNS_PER_ROUTE },
    );
  }

  it('a body over the limit is 413, and a deeply nested one is 4xx', async () => {
    const huge = await app.inject({ method: 'POST', url: '/api/v1/runs', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ selection: 'x'.repeat(70_000) }) });
    expect(huge.statusCode).toBe(413);
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const nested = await app.inject({ method: 'POST', url: '/api/v1/backfills', headers: { 'content-type': 'application/json' }, payload: deep });
    expect(nested.statusCode).toBeGreaterThanOrEqual(400);
    expect(nested.statusCode).toBeLessThan(500);
  });
});
