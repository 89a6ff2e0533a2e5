/** `/metrics` after a pipeline run through the harness: every metric of the catalog, with its labels and values. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { startBackgroundLoop } from '../../src/daemon/background-loop.js';
import { evaluateSchedule } from '../../src/daemon/evaluate-schedule.js';
import { queueRun } from '../../src/daemon/execute-run.js';
import { DEFAULT_METRICS, METRIC_NAMES, STRATA_METRICS, createMetrics, recordRetentionDeleted, seriesLabels } from '../../src/metrics.js';
import { everySixHours } from '../../src/pipeline/schedules.js';
import { buildApp } from '../../src/server/app.js';
import { registerProcess, markProcessStopped } from '../../src/storage/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { PARTITION, startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';
import { parseExposition, samplesOf, valueOf, type Sample } from './exposition.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const PARTITION_KEY = /\d{4}-\d{2}-\d{2}/;
const SILVER = { asset: 'silver/market_snapshots', layer: 'silver' };

describeEachBackend('/metrics after a pipeline run', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let app: FastifyInstance;

  const scrape = async (): Promise<{ text: string; samples: Sample[]; contentType: string }> => {
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    return { text: response.body, samples: parseExposition(response.body), contentType: String(response.headers['content-type']) };
  };

  beforeAll(async () => {
    database = await createTestDatabase('metrics', { backend });
    pipeline = await startPipeline(database);
    // Built first: the app attaches the runtime's metrics, which count from then on.
    app = await buildApp({ runtime: pipeline.runtime });
    const { result } = await pipeline.materialize(PARTITION);
    expect(result.status).toBe('SUCCESS');
  });

  afterAll(async () => {
    await app?.close();
    await pipeline?.stop();
    await database?.destroy();
  });

  it('serves the text exposition with every metric of the catalog and the process defaults', async () => {
    const { text, contentType } = await scrape();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of Object.keys(STRATA_METRICS)) expect(text).toContain(`# TYPE ${name} ${STRATA_METRICS[name as keyof typeof STRATA_METRICS].type}`);
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  it('counts check results by asset, check and outcome', async () => {
    const { samples } = await scrape();
    expect(valueOf(samples, 'strata_check_results_total', { asset: 'silver/market_snapshots', check: 'primary_key_unique', outcome: 'passed' })).toBe(1);
    expect(valueOf(samples, 'strata_check_results_total', { asset: 'bronze/coingecko_markets', check: 'manifest_checksums', outcome: 'passed' })).toBe(1);
    // The recorded page has stablecoins priced a hair outside their 24h range: a warn check.
    expect(valueOf(samples, 'strata_check_results_total', { asset: 'silver/market_snapshots', check: 'price_within_24h_range', outcome: 'failed' })).toBe(1);
  });

  it('counts the run, its steps, materializations and rows', async () => {
    const { samples } = await scrape();
    expect(valueOf(samples, 'strata_runs_total', { status: 'SUCCESS', trigger: 'manual' })).toBe(1);
    expect(valueOf(samples, 'strata_run_duration_seconds_count', { status: 'SUCCESS', trigger: 'manual' })).toBe(1);
    expect(valueOf(samples, 'strata_run_duration_seconds_sum', { status: 'SUCCESS', trigger: 'manual' })).toBeGreaterThan(0);
    expect(valueOf(samples, 'strata_step_duration_seconds_count', { ...SILVER, status: 'SUCCESS' })).toBe(1);
    // Seven six-hourly assets ran, and the unpartitioned silver/imported_quotes; the daily marts are not in a six-hourly run.
    expect(samplesOf(samples, 'strata_step_duration_seconds_count', { status: 'SUCCESS' })).toHaveLength(8);
    expect(valueOf(samples, 'strata_materializations_total', SILVER)).toBe(1);
    expect(valueOf(samples, 'strata_rows_materialized_total', SILVER)).toBe(250);
    expect(valueOf(samples, 'strata_rows_materialized_total', { asset: 'silver/global_snapshots', layer: 'silver' })).toBe(1);
    // The recorded page is clean: a reason is counted only when rows were quarantined for it.
    expect(samplesOf(samples, 'strata_quarantined_rows_total')).toEqual([]);
  });

  it('counts source requests by endpoint and status, with their latency', async () => {
    const { samples } = await scrape();
    expect(valueOf(samples, 'strata_source_requests_total', { source: 'coingecko', endpoint: '/coins/markets', status: '200' })).toBe(1);
    expect(valueOf(samples, 'strata_source_requests_total', { source: 'coingecko', endpoint: '/global', status: '200' })).toBe(1);
    expect(valueOf(samples, 'strata_source_request_duration_seconds_count', { source: 'coingecko', endpoint: '/coins/markets' })).toBe(1);
    expect(samplesOf(samples, 'strata_source_rate_limited_total')).toEqual([]);
  });

  it('reports freshness: lag and objective per asset, stale 0 when fresh and 1 when never materialized', async () => {
    const { samples } = await scrape();
    for (const asset of ['bronze/coingecko_markets', 'silver/market_snapshots', 'gold/crypto_analytics_mart']) {
      const lag = valueOf(samples, 'strata_asset_freshness_lag_seconds', { asset });
      expect(lag).toBeGreaterThanOrEqual(0);
      expect(lag).toBeLessThan(600);
      expect(valueOf(samples, 'strata_asset_stale', { asset })).toBe(0);
    }
    expect(valueOf(samples, 'strata_asset_freshness_objective_seconds', { asset: 'bronze/coingecko_markets' })).toBe(6.5 * 3600);
    expect(valueOf(samples, 'strata_asset_freshness_lag_seconds', { asset: 'gold/daily_coin_summary' })).toBeUndefined();
    expect(valueOf(samples, 'strata_asset_stale', { asset: 'gold/daily_coin_summary' })).toBe(1);
    expect(samplesOf(samples, 'strata_asset_stale')).toHaveLength(11);
  });

  it('reads queue depth and runs in progress from the database at scrape time', async () => {
    const before = await scrape();
    expect(valueOf(before.samples, 'strata_queue_depth')).toBe(0);
    expect(valueOf(before.samples, 'strata_runs_in_progress')).toBe(0);
    await queueRun(pipeline.runtime, { selection: 'silver/market_snapshots', partitionKey: PARTITION });
    pipeline.clock.at(PARTITION);
    await queueRun(pipeline.runtime, { selection: 'bronze/coingecko_global', partitionKey: PARTITION });
    const after = await scrape();
    expect(valueOf(after.samples, 'strata_queue_depth')).toBe(2);
    expect(valueOf(after.samples, 'strata_runs_in_progress')).toBe(0);
  });

  it('reports the youngest heartbeat age per process kind, leaving out stopped processes and absent kinds', async () => {
    // The runtime's clock, which the scrape reads: the pipeline run moved it to its partition's time.
    const now = pipeline.runtime.clock.now().getTime();
    const register = (id: string, kind: 'worker' | 'daemon', ageMs: number) =>
      registerProcess(database.db, { id, kind, hostname: 'test', pid: 1, at: new Date(now - ageMs) });
    await register('worker:old', 'worker', 120_000);
    await register('worker:young', 'worker', 10_000);
    await register('daemon:gone', 'daemon', 5_000);
    await markProcessStopped(database.db, 'daemon:gone', new Date(now - 5_000));
    const { samples } = await scrape();
    const age = valueOf(samples, 'strata_process_heartbeat_age_seconds', { kind: 'worker' });
    expect(age).toBeGreaterThanOrEqual(10);
    expect(age).toBeLessThan(60);
    expect(valueOf(samples, 'strata_process_heartbeat_age_seconds', { kind: 'daemon' })).toBeUndefined();
  });

  it('observes schedule tick lag (tick due → run queued) for ticks this process claimed', async () => {
    const clock = new ManualClock(new Date('2030-01-01T05:59:00.000Z'));
    await evaluateSchedule(pipeline.runtime, everySixHours, clock.now(), clock);
    clock.set(new Date('2030-01-01T06:00:02.000Z'));
    const evaluation = await evaluateSchedule(pipeline.runtime, everySixHours, clock.now(), clock);
    expect(evaluation.ticks.map((tick) => tick.lagMs)).toEqual([2_000]);
    const { samples } = await scrape();
    expect(valueOf(samples, 'strata_schedule_tick_lag_seconds_count', { schedule: 'every_6_hours' })).toBe(1);
    expect(valueOf(samples, 'strata_schedule_tick_lag_seconds_sum', { schedule: 'every_6_hours' })).toBe(2);
  });

  it('counts background loop iterations that threw, and retention purges', async () => {
    let calls = 0;
    let secondCall: () => void = () => {};
    const second = new Promise<void>((resolve) => (secondCall = resolve));
    const loop = startBackgroundLoop({
      name: 'metrics_test',
      intervalMs: 1,
      clock: pipeline.runtime.clock,
      logger: pipeline.runtime.logger,
      iteration: async () => {
        calls++;
        if (calls === 1) throw new Error('boom');
        secondCall();
      },
    });
    await second;
    await loop.stop();
    recordRetentionDeleted(pipeline.runtime, 'runs', 3);
    const { samples } = await scrape();
    expect(valueOf(samples, 'strata_loop_errors_total', { loop: 'metrics_test' })).toBe(1);
    expect(valueOf(samples, 'strata_retention_deleted_total', { table: 'runs' })).toBe(3);
  });

  it('keeps label values bounded: no run id, uuid or partition key in any label', async () => {
    const { samples } = await scrape();
    const values = samples.flatMap((sample) => Object.values(sample.labels));
    expect(values.length).toBeGreaterThan(0);
    for (const value of values) {
      expect(value).not.toMatch(UUID);
      expect(value).not.toMatch(PARTITION_KEY);
    }
    // Only the label names the catalog declares (plus `le` on buckets) appear.
    for (const sample of samples) {
      const declared = seriesLabels(sample.name);
      expect({ series: sample.name, declared: declared !== undefined }).toEqual({ series: sample.name, declared: true });
      for (const label of Object.keys(sample.labels)) expect(declared).toContain(label);
    }
  });

  it('echoes X-Request-Id: the caller\'s when plain, a fresh uuid otherwise', async () => {
    const given = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'trace-abc.123' } });
    expect(given.headers['x-request-id']).toBe('trace-abc.123');
    const fresh = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id\nwith newline' } });
    expect(String(fresh.headers['x-request-id'])).toMatch(UUID);
  });
});

describeEachBackend('/metrics when CoinGecko answers 429 and 400', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;

  beforeAll(async () => {
    database = await createTestDatabase('metrics_429', { backend });
    pipeline = await startPipeline(database, { env: { COINGECKO_MAX_RETRIES: '1' } });
  });

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  it('counts the 429, the wait it imposed, and a run that failed on a 400', async () => {
    const metrics = createMetrics(pipeline.runtime, { defaultMetrics: false });
    try {
      pipeline.fake.script(pipeline.fake.rateLimited(1, '/coins/markets'));
      const limited = await pipeline.materialize(PARTITION, 'bronze/coingecko_markets');
      expect(limited.result.status).toBe('SUCCESS');
      // A 400 is fatal: neither the client nor the step retries it.
      pipeline.fake.script({ path: '/global', status: 400, body: '{"error":"bad request"}' });
      const failed = await pipeline.materialize(PARTITION, 'bronze/coingecko_global');
      expect(failed.result.status).toBe('FAILURE');

      const samples = parseExposition(await metrics.render());
      const requests = (endpoint: string, status: string) => valueOf(samples, 'strata_source_requests_total', { source: 'coingecko', endpoint, status });
      expect(valueOf(samples, 'strata_source_rate_limited_total', { source: 'coingecko' })).toBe(1);
      expect([requests('/coins/markets', '429'), requests('/coins/markets', '200'), requests('/global', '400')]).toEqual([1, 1, 1]);
      expect(valueOf(samples, 'strata_source_rate_limit_wait_seconds_total', { source: 'coingecko' })).toBeGreaterThanOrEqual(0.9);
      expect(valueOf(samples, 'strata_runs_total', { status: 'SUCCESS', trigger: 'manual' })).toBe(1);
      expect(valueOf(samples, 'strata_runs_total', { status: 'FAILURE', trigger: 'manual' })).toBe(1);
      expect(valueOf(samples, 'strata_step_duration_seconds_count', { asset: 'bronze/coingecko_global', layer: 'bronze', status: 'FAILURE' })).toBe(1);
    } finally {
      metrics.close();
    }
  });
});

describe('METRIC_NAMES', () => {
  it('lists every Strata metric and the prom-client defaults with their label names', async () => {
    expect(METRIC_NAMES['strata_runs_total']).toEqual(['status', 'trigger']);
    expect(METRIC_NAMES['strata_process_heartbeat_age_seconds']).toEqual(['kind']);
    expect(seriesLabels('strata_run_duration_seconds_bucket')).toEqual(['status', 'trigger', 'le']);
    expect(seriesLabels('strata_source_request_duration_seconds_count')).toEqual(['source', 'endpoint']);
    expect(seriesLabels('strata_runs_total_count')).toBeUndefined();
    expect(seriesLabels('strata_nope')).toBeUndefined();
  });

  it('matches what prom-client registers by default (no drift after an upgrade)', async () => {
    const { Registry, collectDefaultMetrics } = await import('prom-client');
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const registered = (await registry.getMetricsAsJSON()).map((metric) => metric.name).sort();
    expect(registered).toEqual(Object.keys(DEFAULT_METRICS).sort());
  });
});
