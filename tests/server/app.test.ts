/** The JSON API through `app.inject()` (no port), on a runtime that has materialized one partition. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { PARTITION, startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';

describeEachBackend('HTTP API', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let app: FastifyInstance;
  let runId: string;

  beforeAll(async () => {
    database = await createTestDatabase('server', { backend });
    pipeline = await startPipeline(database);
    const { run, result } = await pipeline.materialize(PARTITION);
    expect(result.status).toBe('SUCCESS');
    runId = run.id;
    app = await buildApp({ runtime: pipeline.runtime });
  });

  afterAll(async () => {
    await app?.close();
    await pipeline?.stop();
    await database?.destroy();
  });

  it('GET /healthz answers ok with the engine', async () => {
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', engine: backend });
  });

  it('GET /api/v1/assets lists the graph in topological order with latest materializations', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/assets' });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ assets: { key: string; latestMaterialization: { partitionKey: string; runId: string } | null }[] }>();
    expect(body.assets.map((asset) => asset.key)).toEqual([
      'bronze/coingecko_global',
      'bronze/coingecko_markets',
      'bronze/coingecko_price_history',
      'silver/global_snapshots',
      'silver/imported_quotes',
      'silver/market_snapshots',
      'silver/price_history',
      'gold/crypto_analytics_mart',
      'gold/daily_coin_summary',
      'gold/market_daily',
      'gold/market_segment_analysis',
      'gold/source_reconciliation',
    ]);
    // The six-hourly run leaves the daily assets out (a run has one partition kind).
    const daily = ['bronze/coingecko_price_history', 'silver/price_history', 'gold/daily_coin_summary', 'gold/market_daily'];
    // silver/imported_quotes is unpartitioned: in the run (importing nothing, it has no inbox tags), without a partition.
    for (const asset of body.assets.filter((a) => !daily.includes(a.key) && a.key !== 'silver/imported_quotes')) {
      expect(asset.latestMaterialization).toMatchObject({ partitionKey: PARTITION, runId });
    }
    expect(body.assets.find((a) => a.key === 'silver/imported_quotes')?.latestMaterialization).toMatchObject({ runId });
    const graph = (await app.inject({ method: 'GET', url: '/api/v1/graph' })).json<{ edges: unknown[] }>();
    expect(graph.edges).toContainEqual({ from: 'silver/market_snapshots', to: 'gold/crypto_analytics_mart' });
    const freshness = new Map((body.assets as unknown as { key: string; freshness: { stale: boolean | null; objectiveSeconds: number | null } }[]).map((a) => [a.key, a.freshness]));
    expect(freshness.get('bronze/coingecko_markets')).toMatchObject({ stale: false, objectiveSeconds: 23_400 });
    expect(freshness.get('gold/daily_coin_summary')).toMatchObject({ stale: true, objectiveSeconds: 90_000 });
  });

  it('GET /api/v1/assets/<key> shows one asset with its neighbours and materialization metadata', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/assets/silver/market_snapshots' });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ upstream: string[]; downstream: string[]; materializations: { metadata: Record<string, number> }[] }>();
    expect(body.upstream).toEqual(['bronze/coingecko_markets']);
    expect(body.downstream).toEqual([
      'gold/crypto_analytics_mart',
      'gold/daily_coin_summary',
      'gold/market_daily',
      'gold/market_segment_analysis',
      'gold/source_reconciliation',
    ]);
    expect(body.materializations[0]?.metadata).toMatchObject({ rows: 250, quarantined: 0, bronze_rows: 250 });

    const missing = await app.inject({ method: 'GET', url: '/api/v1/assets/gold/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: 'ASSET_NOT_FOUND', message: "no asset 'gold/nope'" });
  });

  it('GET /api/v1/runs pages newest first and filters by status', async () => {
    const second = await pipeline.materialize('2025-02-09T18:00Z', 'bronze/coingecko_global');
    const firstPage = await app.inject({ method: 'GET', url: '/api/v1/runs?limit=1' });
    expect(firstPage.statusCode).toBe(200);
    const page = firstPage.json<{ runs: { id: string }[]; nextCursor: string }>();
    expect(page.runs.map((run) => run.id)).toEqual([second.run.id]);
    const nextPage = await app.inject({ method: 'GET', url: `/api/v1/runs?limit=1&cursor=${encodeURIComponent(page.nextCursor)}` });
    expect(nextPage.json<{ runs: { id: string }[] }>().runs.map((run) => run.id)).toEqual([runId]);

    const failed = await app.inject({ method: 'GET', url: '/api/v1/runs?status=FAILURE' });
    expect(failed.json<{ runs: unknown[] }>().runs).toEqual([]);
  });

  it('GET /api/v1/runs/:id returns the run with its steps and events', async () => {
    const response = await app.inject({ method: 'GET', url: `/api/v1/runs/${runId}` });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ run: { status: string }; steps: { assetKey: string; status: string }[]; events: { events: { event: { type: string } }[] } }>();
    expect(body.run.status).toBe('SUCCESS');
    // Seven six-hourly assets and silver/imported_quotes, unpartitioned, so in every `*` run (importing nothing without inbox tags).
    expect(body.steps).toHaveLength(8);
    expect(body.steps.every((step) => step.status === 'SUCCESS')).toBe(true);
    expect(body.events.events[0]?.event.type).toBe('run:started');
    expect(body.events.events.at(-1)?.event.type).toBe('run:succeeded');
    expect(body.events.events.filter((e) => e.event.type === 'asset:materialized')).toHaveLength(8);
  });

  it('answers bad input with a 4xx that says what was wrong', async () => {
    const cases: [string, number, RegExp][] = [
      ['/api/v1/runs?limit=abc', 400, /querystring\.limit/],
      ['/api/v1/runs?limit=0', 400, /querystring\.limit/],
      ['/api/v1/runs?status=DONE', 400, /querystring\.status/],
      ['/api/v1/runs?cursor=garbage', 400, /querystring\.cursor: not a runs cursor/],
      ['/api/v1/runs/not-a-run', 400, /params\.id: expected a run id/],
      ['/api/v1/runs/00000000-0000-4000-8000-000000000000', 404, /not found/],
      ['/api/v1/nothing-here', 404, /no route GET \/api\/v1\/nothing-here/],
    ];
    for (const [url, status, message] of cases) {
      const response = await app.inject({ method: 'GET', url });
      expect({ url, status: response.statusCode }).toEqual({ url, status });
      expect(response.body).toMatch(message);
    }
  });

  it('POST /api/v1/runs queues a run; cancel ends it; a second cancel is a 409', async () => {
    const launched = await app.inject({ method: 'POST', url: '/api/v1/runs', payload: { selection: 'silver/market_snapshots', partition: PARTITION } });
    expect(launched.statusCode).toBe(201);
    const { run } = launched.json<{ run: { id: string; status: string; selection: string; partitionKey: string } }>();
    expect(run).toMatchObject({ status: 'QUEUED', selection: 'silver/market_snapshots', partitionKey: PARTITION });

    const canceled = await app.inject({ method: 'POST', url: `/api/v1/runs/${run.id}/cancel` });
    expect(canceled.statusCode).toBe(200);
    expect(canceled.json<{ run: { status: string } }>().run.status).toBe('CANCELED');

    const again = await app.inject({ method: 'POST', url: `/api/v1/runs/${run.id}/cancel` });
    expect(again.statusCode).toBe(409);
  });

  it('POST /api/v1/runs/:id/reexecute queues a retry of a finished run', async () => {
    // Every step again, bronze too: only while PARTITION is the current partition.
    pipeline.clock.at(PARTITION);
    const response = await app.inject({ method: 'POST', url: `/api/v1/runs/${runId}/reexecute`, payload: { fromFailure: false } });
    expect(response.statusCode).toBe(201);
    expect(response.json<{ run: { parentRunId: string; trigger: string; status: string } }>().run).toMatchObject({ parentRunId: runId, status: 'QUEUED' });
  });

  it('rejects bad launch bodies with a 400 naming the field, and mutations from outside loopback with a 403', async () => {
    const cases: [unknown, RegExp][] = [
      [{ selection: 'gold/nope' }, /gold\/nope/],
      [{ partition: '2025-02-09T13:00Z' }, /invalid six_hourly partition key/],
      [{ selection: 42 }, /body\.selection/],
      [{ surprise: true }, /surprise/],
    ];
    for (const [payload, message] of cases) {
      const response = await app.inject({ method: 'POST', url: '/api/v1/runs', payload: payload as object });
      expect(response.statusCode).toBe(400);
      expect(response.body).toMatch(message);
    }
    const remote = await app.inject({ method: 'POST', url: '/api/v1/runs', payload: {}, remoteAddress: '10.1.2.3' });
    expect(remote.statusCode).toBe(403);
    expect(remote.json()).toMatchObject({ error: 'MUTATION_FORBIDDEN' });
    const remoteRead = await app.inject({ method: 'GET', url: '/api/v1/runs', remoteAddress: '10.1.2.3' });
    expect(remoteRead.statusCode).toBe(200);
  });
});
