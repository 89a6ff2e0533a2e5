/** The HTML UI through `app.inject()`, on a runtime that has materialized one partition. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRun, recordEvents, setRunStatus } from '../../src/storage/index.js';
import type { RunEvent } from '../../src/core/types.js';
import { buildApp } from '../../src/server/app.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { PARTITION, startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';
import { count } from './ui-harness.js';

describeEachBackend('HTML UI pages', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let app: FastifyInstance;
  let runId: string;

  beforeAll(async () => {
    database = await createTestDatabase('ui-pages', { backend });
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

  async function page(url: string) {
    const response = await app.inject({ method: 'GET', url });
    return { status: response.statusCode, body: response.body, headers: response.headers };
  }

  it('serves the overview: health by layer, failing checks, recent runs, next ticks, daemon status', async () => {
    const { status, body, headers } = await page('/');
    expect(status).toBe(200);
    expect(headers['content-type']).toMatch(/text\/html/);
    expect(count(body, 'data-testid="layer-card"')).toBe(3);
    // Seven assets materialized; the two daily marts never were.
    expect(body).toMatch(/data-layer="gold"[\s\S]*?data-health="missing"><span class="n missing">2</);
    expect(body).toContain('data-testid="failing-checks"');
    expect(body).toContain('dominance_sum_at_most_100');
    expect(body).toContain(`data-run-id="${runId}"`);
    expect(body).toContain('every_6_hours');
    expect(body).toContain('data-testid="daemon-warning"');
    for (const nav of ['overview', 'lineage', 'runs', 'schedules', 'backfills', 'login']) expect(body).toContain(`data-testid="nav-${nav}"`);
    expect(body).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(body).not.toMatch(/\sstyle=/);
  });

  it('draws the lineage with one linked node per asset and an edge per dependency', async () => {
    const { status, body } = await page('/lineage');
    expect(status).toBe(200);
    const { graph } = pipeline.runtime;
    expect(count(body, 'data-testid="lineage-node"')).toBe(graph.nodes.length);
    expect(count(body, 'marker-end="url(#arrow)"')).toBe(graph.edges.length);
    expect(body).toContain('<a href="/assets/silver/market_snapshots" class="lineage-node" data-testid="lineage-node" data-asset-key="silver/market_snapshots"');
    expect(body).toMatch(/data-asset-key="gold\/daily_coin_summary" data-tone="missing"/);
  });

  it('shows an asset: definition, neighbours, metadata, history chart, checks and the launch form', async () => {
    const { status, body } = await page('/assets/silver/market_snapshots');
    expect(status).toBe(200);
    expect(body).toContain('data-testid="asset-definition"');
    expect(body).toContain('href="/assets/bronze/coingecko_markets"');
    expect(body).toContain('href="/assets/gold/crypto_analytics_mart"');
    expect(body).toMatch(/data-testid="materialization-metadata"[\s\S]*<td>rows<\/td><td class="num">250<\/td>/);
    expect(body).toContain('data-testid="chart-rows"');
    expect(body).toContain('data-testid="chart-duration"');
    expect(body).toContain('data-testid="partition-strip"');
    expect(body).toContain('data-testid="check-results"');
    expect(body).toContain('data-testid="launch-form"');
    expect(body).toContain(`name="partition" value="${PARTITION}"`);
    expect(body).toContain('data-testid="launch-button"');
  });

  it('shows a gold mart with its three charts and first rows', async () => {
    const { status, body } = await page('/assets/gold/crypto_analytics_mart');
    expect(status).toBe(200);
    for (const chart of ['chart-market-share', 'chart-segments', 'chart-top-prices']) expect(body).toContain(`data-testid="${chart}"`);
    expect(body).toContain('data-testid="mart-rows"');
    expect(body).toContain('Bitcoin');
  });

  it('lists runs with filters and pages older runs by cursor', async () => {
    const second = await pipeline.materialize('2025-02-09T18:00Z', 'bronze/coingecko_global');
    const all = await page('/runs');
    expect(all.status).toBe(200);
    expect(all.body).toContain(`data-testid="run-row" data-run-id="${runId}"`);
    expect(all.body).toContain(`data-run-id="${second.run.id}"`);
    const filtered = await page('/runs?status=SUCCESS&trigger=manual&asset=silver%2Fmarket_snapshots');
    expect(filtered.status).toBe(200);
    expect(filtered.body).toContain(`data-run-id="${runId}"`);
    expect(filtered.body).not.toContain(`data-run-id="${second.run.id}"`);
    const none = await page('/runs?status=FAILURE');
    expect(count(none.body, 'data-testid="run-row"')).toBe(0);
  });

  it('shows a run: status, Gantt, steps and every event', async () => {
    const { status, body } = await page(`/runs/${runId}`);
    expect(status).toBe(200);
    expect(body).toContain('data-testid="run-status" data-status="SUCCESS"');
    expect(body).toContain('data-testid="run-gantt"');
    // Seven six-hourly assets and the unpartitioned silver/imported_quotes.
    expect(count(body, 'data-testid="step-row"')).toBe(8);
    expect(body).toMatch(/<ol class="event-log" data-testid="event-log"/);
    expect(body).toContain('data-type="run:started"');
    expect(body).toContain('data-type="run:succeeded"');
    expect(body).toContain('data-testid="reexecute-button"');
    expect(body).not.toContain('data-testid="cancel-button"');
    // A finished run needs no live script.
    expect(body).not.toContain('run-live.js');
  });

  it('the timeline shows steps that ran at once overlapping, and steps that never started in plan order', async () => {
    const db = pipeline.runtime.database.db;
    const order = pipeline.runtime.graph.order;
    // Two assets whose plan order is the reverse of their alphabetical order.
    const [earlier, later] = order.flatMap((a, i) => order.slice(i + 1).filter((b) => b < a).map((b) => [a, b] as const))[0]!;
    const [first, second] = order.slice(0, 2) as [string, string];
    const run = await createRun(db, { selection: '*', partitionKey: PARTITION, trigger: 'manual' });
    await setRunStatus(db, run.id, 'STARTING', { workerId: 'test', at: new Date() });
    const t0 = Date.parse('2026-11-23T12:00:00Z');
    const at = (seconds: number) => new Date(t0 + seconds * 1000);
    const where = (assetKey: string) => ({ runId: run.id, assetKey, partition: PARTITION });
    const events: RunEvent[] = [
      { type: 'run:started', runId: run.id, at: at(0) },
      { type: 'step:started', ...where(first), at: at(0), attempt: 1 },
      { type: 'step:started', ...where(second), at: at(1), attempt: 1 },
      { type: 'step:succeeded', ...where(first), at: at(3), durationMs: 3000 },
      { type: 'step:succeeded', ...where(second), at: at(4), durationMs: 3000 },
      // Skipped in the reverse of plan order, and alphabetically reversed too.
      { type: 'step:skipped', ...where(later), at: at(4), reason: 'run canceled' },
      { type: 'step:skipped', ...where(earlier), at: at(4), reason: 'run canceled' },
    ];
    await recordEvents(db, events);
    const { body } = await page(`/runs/${run.id}`);
    const gantt = /data-testid="run-gantt"[\s\S]*?<\/svg>/.exec(body)?.[0] ?? '';
    const bars = [...gantt.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map((match) => [Number(match[1]), Number(match[2])] as const);
    expect(bars).toHaveLength(2);
    // The second bar starts before the first ends: they overlapped.
    expect(bars[1]![0]).toBeGreaterThan(bars[0]![0]);
    expect(bars[1]![0]).toBeLessThan(bars[0]![0] + bars[0]![1]);
    const rows = [...body.matchAll(/data-testid="step-row" data-asset-key="([^"]+)"/g)].map((match) => match[1]);
    expect(rows).toEqual([first, second, earlier, later]);
  });

  it('escapes text from data: an event message with markup shows as text', async () => {
    await recordEvents(pipeline.runtime.database.db, [{
      type: 'log',
      runId,
      at: new Date(),
      level: 'warn',
      message: '<script>alert("x")</script> & <b>bold</b>',
      assetKey: null,
      partition: null,
      fields: null,
    }]);
    const { body } = await page(`/runs/${runId}`);
    expect(body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;');
    expect(body).not.toContain('<script>alert');
  });

  it('serves schedules with cron in words and a toggle, and a schedule with its ticks', async () => {
    const list = await page('/schedules');
    expect(list.status).toBe(200);
    expect(list.body).toContain('data-schedule="every_6_hours"');
    expect(list.body).toContain('On the hour, every 6 hours');
    expect(count(list.body, 'data-testid="schedule-toggle"')).toBe(2);
    const one = await page('/schedules/daily');
    expect(one.status).toBe(200);
    expect(one.body).toContain('No ticks yet');
    expect(one.body).toContain('<dd data-testid="run-retries">2 when a worker is lost</dd>');
  });

  it('serves backfills (empty) and the static files', async () => {
    const backfills = await page('/backfills');
    expect(backfills.status).toBe(200);
    expect(backfills.body).toContain('data-testid="backfill-form"');
    const css = await page('/static/strata.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/text\/css/);
    const script = await page('/static/run-live.js');
    expect(script.status).toBe(200);
    expect(script.body).toContain('EventSource');
  });

  describe('bad input answers a 4xx HTML page that says what was wrong', () => {
    it.each([
      ['/assets/gold/nope', 404, "no asset &#39;gold/nope&#39;"],
      ['/runs/00000000-0000-4000-8000-000000000000', 404, 'not found'],
      ['/runs/not-a-run', 404, 'not found'],
      ['/runs?status=DONE', 400, 'query.status'],
      ['/runs?trigger=robot', 400, 'query.trigger'],
      ['/runs?asset=gold%2Fnope', 400, 'query.asset'],
      ['/runs?cursor=garbage', 400, 'invalid run cursor'],
      ['/backfills/00000000-0000-4000-8000-000000000000', 404, 'not found'],
      ['/schedules/nope', 404, 'no schedule'],
      ['/schedules/daily?before=yesterday', 400, 'query.before'],
    ])('%s → %i', async (url, expected, message) => {
      const { status, body, headers } = await page(url);
      expect(status).toBe(expected);
      expect(headers['content-type']).toMatch(/text\/html/);
      expect(body).toContain(`data-status="${expected}"`);
      expect(body).toContain(message);
    });
  });
});
