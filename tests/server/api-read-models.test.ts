/** The read models shared by the API and the UI, over a runtime that materialized one partition. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queueRun } from '../../src/daemon/execute-run.js';
import { assetDetail, assetList, partitionStatus } from '../../src/server/read-models/assets.js';
import { assetGraph } from '../../src/server/read-models/graph.js';
import { listRunsPage, runDetail, runEventsPage } from '../../src/server/read-models/runs.js';
import { martList, martRows } from '../../src/server/read-models/marts.js';
import { scheduleDetail, scheduleList, setScheduleOn } from '../../src/server/read-models/schedules.js';
import { backfillList, backfillView } from '../../src/server/read-models/backfills.js';
import { createBackfill } from '../../src/daemon/backfill.js';
import { reexecute } from '../../src/daemon/retry-run.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { PARTITION, startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';

describeEachBackend('read models', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let runId: string;

  beforeAll(async () => {
    database = await createTestDatabase('read_models', { backend });
    pipeline = await startPipeline(database);
    const { run, result } = await pipeline.materialize(PARTITION);
    expect(result.status).toBe('SUCCESS');
    runId = run.id;
  });

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  it('assetList gives each asset its latest materialization, freshness and last run', async () => {
    const assets = await assetList(pipeline.runtime);
    const markets = assets.find((asset) => asset.key === 'silver/market_snapshots');
    expect(markets?.latestMaterialization).toMatchObject({ partitionKey: PARTITION, runId, rows: 250 });
    expect(markets?.latestMaterialization?.durationMs).toBeGreaterThanOrEqual(0);
    expect(markets?.lastRun).toMatchObject({ id: runId, status: 'SUCCESS', stepStatus: 'SUCCESS', partitionKey: PARTITION });
    const daily = assets.find((asset) => asset.key === 'gold/daily_coin_summary');
    expect(daily?.lastRun).toBeNull();
    expect(daily?.freshness.stale).toBe(true);
  });

  it('assetDetail has the definition, history, partition status and checks', async () => {
    const detail = await assetDetail(pipeline.runtime, 'silver/market_snapshots');
    expect(detail.definition).toMatchObject({ key: 'silver/market_snapshots', layer: 'silver', group: 'coingecko', owners: [], partitions: 'six_hourly' });
    expect(detail.definition.deps).toEqual([expect.objectContaining({ assetKey: 'bronze/coingecko_markets' })]);
    expect(detail.definition.checks.length).toBeGreaterThan(0);
    expect(detail.materializations.map((entry) => entry.runId)).toEqual([runId]);
    expect(detail.checks.map((check) => check.name)).toEqual(detail.definition.checks.map((check) => check.name));
    expect(detail.checks.every((check) => check.latest?.runId === runId)).toBe(true);
    expect(detail.partitionStatus.kind).toBe('six_hourly');
    await expect(assetDetail(pipeline.runtime, 'gold/nope')).rejects.toMatchObject({ code: 'ASSET_NOT_FOUND' });
  });

  it('partitionStatus marks materialized, failed and missing partitions of the window', async () => {
    const status = await partitionStatus(pipeline.runtime, 'silver/market_snapshots', 28);
    expect(status.partitions).toHaveLength(28 * 4);
    expect(status.to).toBe(pipeline.runtime.graph.assets.get('silver/market_snapshots')?.partitions?.keyFor(pipeline.runtime.clock.now()));
    expect(status.counts.failed).toBe(0);
    expect(status.counts.materialized + status.counts.missing).toBe(28 * 4);
  });

  it('assetGraph colours nodes by last run and staleness', async () => {
    const graph = await assetGraph(pipeline.runtime);
    expect(graph.nodes).toHaveLength(12);
    expect(graph.nodes.find((node) => node.key === 'gold/crypto_analytics_mart')).toMatchObject({ lastRunStatus: 'SUCCESS', lastStepStatus: 'SUCCESS' });
    expect(graph.edges).toContainEqual({ from: 'silver/market_snapshots', to: 'gold/crypto_analytics_mart' });
  });

  it('runs list filters by asset, status and trigger; queued runs are found by asset', async () => {
    // bronze/coingecko_global serves only the current partition: queued at the time its schedule would.
    pipeline.clock.at(PARTITION);
    const queued = await queueRun(pipeline.runtime, { selection: 'bronze/coingecko_global', partitionKey: PARTITION });
    const byAsset = await listRunsPage(pipeline.runtime, { assetKey: 'bronze/coingecko_global' });
    expect(byAsset.runs.map((run) => run.id)).toEqual([queued.id, runId]);
    const marketsOnly = await listRunsPage(pipeline.runtime, { assetKey: 'silver/market_snapshots' });
    expect(marketsOnly.runs.map((run) => run.id)).toEqual([runId]);
    const queuedOnly = await listRunsPage(pipeline.runtime, { assetKey: 'bronze/coingecko_global', statuses: ['QUEUED'] });
    expect(queuedOnly.runs.map((run) => run.id)).toEqual([queued.id]);
    // Several statuses merge one index range each, newest first, and page across them.
    const either = await listRunsPage(pipeline.runtime, { statuses: ['SUCCESS', 'QUEUED'], limit: 1 });
    expect(either.runs.map((run) => run.id)).toEqual([queued.id]);
    const rest = await listRunsPage(pipeline.runtime, { statuses: ['QUEUED', 'SUCCESS'], limit: 1, cursor: either.nextCursor as string });
    expect(rest.runs.map((run) => run.id)).toEqual([runId]);
    expect((await listRunsPage(pipeline.runtime, { statuses: ['FAILURE', 'CANCELED'] })).runs).toEqual([]);
    expect((await listRunsPage(pipeline.runtime, { trigger: 'backfill' })).runs).toEqual([]);
    const page = await listRunsPage(pipeline.runtime, { assetKey: 'bronze/coingecko_global', limit: 1 });
    expect(page.nextCursor).toBeDefined();
    const next = await listRunsPage(pipeline.runtime, { assetKey: 'bronze/coingecko_global', limit: 1, cursor: page.nextCursor as string });
    expect(next.runs.map((run) => run.id)).toEqual([runId]);
    expect(next.nextCursor).toBeUndefined();
    const later = await listRunsPage(pipeline.runtime, { from: queued.createdAt });
    expect(later.runs.map((run) => run.id)).toEqual([queued.id]);
    expect((await listRunsPage(pipeline.runtime, { to: queued.createdAt })).runs.map((run) => run.id)).toEqual([runId]);
  });

  it('a re-execution is found by the assets of the run it repeats', async () => {
    // Every step again, bronze too: only while PARTITION is the current partition.
    pipeline.clock.at(PARTITION);
    const retry = await reexecute(pipeline.runtime, runId, { fromFailure: false });
    const byAsset = await listRunsPage(pipeline.runtime, { assetKey: 'gold/crypto_analytics_mart', trigger: 'retry' });
    expect(byAsset.runs.map((run) => run.id)).toEqual([retry.id]);
  });

  it('runDetail pages events: newest page first, then before/after', async () => {
    const detail = await runDetail(pipeline.runtime, runId);
    // The seven six-hourly assets and silver/imported_quotes (unpartitioned, so in every `*` run; no inbox file, no import).
    expect(detail.steps.length).toBe(8);
    const ids = detail.events.events.map((stored) => stored.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(detail.events.hasOlder).toBe(false);
    const firstTwo = await runEventsPage(pipeline.runtime, runId, { after: 0, limit: 2 });
    expect(firstTwo.events.map((stored) => stored.id)).toEqual(ids.slice(0, 2));
    expect(firstTwo.hasNewer).toBe(true);
    const newestTwo = await runEventsPage(pipeline.runtime, runId, { limit: 2 });
    expect(newestTwo.events.map((stored) => stored.id)).toEqual(ids.slice(-2));
    expect(newestTwo.hasOlder).toBe(true);
    const back = await runEventsPage(pipeline.runtime, runId, { before: ids.at(-2) as number, limit: 1 });
    expect(back.events.map((stored) => stored.id)).toEqual([ids.at(-3)]);
    await expect(runDetail(pipeline.runtime, '00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });

  it('schedules: cron in words, next ticks, on/off, unknown name', async () => {
    const schedules = await scheduleList(pipeline.runtime);
    expect(schedules.map((schedule) => schedule.name)).toEqual(['every_6_hours', 'daily']);
    const six = schedules[0];
    expect(six?.cronDescription).toBe('On the hour, every 6 hours');
    expect(six?.nextTicks).toHaveLength(5);
    expect(six?.enabled).toBe(true);
    const off = await setScheduleOn(pipeline.runtime, 'daily', false);
    expect(off.enabled).toBe(false);
    const detail = await scheduleDetail(pipeline.runtime, 'daily');
    expect(detail).toMatchObject({ enabled: false, ticks: [], nextBefore: null, tickCounts: { SUCCESS: 0, SKIPPED: 0, FAILURE: 0 } });
    await setScheduleOn(pipeline.runtime, 'daily', true);
    await expect(scheduleDetail(pipeline.runtime, 'nope')).rejects.toMatchObject({ code: 'SCHEDULE_NOT_FOUND' });
  });

  it('backfills: progress counts and percent', async () => {
    // Gold over the stored partition: rebuilt from silver, so it gets a run (bronze cannot backfill).
    const created = await createBackfill(pipeline.runtime, { selection: 'gold/market_segment_analysis', from: PARTITION, to: PARTITION });
    const view = await backfillView(pipeline.runtime, created.backfill.id);
    expect(view).toMatchObject({ status: 'REQUESTED', percentDone: 0, partitions: { total: 1, pending: 1 }, runCounts: { QUEUED: 1 } });
    expect(view.latestRuns).toHaveLength(1);
    const list = await backfillList(pipeline.runtime);
    expect(list.map((backfill) => backfill.id)).toContain(created.backfill.id);
    const byTrigger = await listRunsPage(pipeline.runtime, { trigger: 'backfill', assetKey: 'gold/market_segment_analysis' });
    expect(byTrigger.runs.map((run) => run.id)).toEqual(view.latestRuns.map((run) => run.id));
  });

  it('marts: latest partition, sorted rows with a whitelist, offset pages', async () => {
    const marts = await martList(pipeline.runtime);
    expect(marts.find((mart) => mart.name === 'crypto_analytics_mart')?.latestPartition).toBe(PARTITION);
    expect(marts.find((mart) => mart.name === 'daily_coin_summary')?.latestPartition).toBeNull();
    const page = await martRows(pipeline.runtime, 'crypto_analytics_mart', { limit: 3 });
    expect(page.rows.map((row) => row['market_cap_rank'])).toEqual([1, 2, 3]);
    expect(page).toMatchObject({ partition: PARTITION, sort: 'market_cap_rank', order: 'asc', nextOffset: 3 });
    const byPrice = await martRows(pipeline.runtime, 'crypto_analytics_mart', { sort: 'current_price', order: 'desc', limit: 2, offset: 1 });
    const prices = byPrice.rows.map((row) => Number(row['current_price']));
    expect(prices[0]).toBeGreaterThanOrEqual(prices[1] as number);
    const segments = await martRows(pipeline.runtime, 'market_segment_analysis', { partition: PARTITION });
    expect(segments.total).toBeGreaterThan(0);
    await expect(martRows(pipeline.runtime, 'crypto_analytics_mart', { sort: 'coin_id; DROP TABLE x' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(martRows(pipeline.runtime, 'crypto_analytics_mart', { partition: '2025-02-09' })).rejects.toMatchObject({ code: 'PARTITION_KEY_INVALID' });
    await expect(martRows(pipeline.runtime, 'nope')).rejects.toMatchObject({ code: 'MART_NOT_FOUND' });
    const empty = await martRows(pipeline.runtime, 'daily_coin_summary');
    expect(empty).toMatchObject({ partition: null, rows: [], total: 0 });

    // The source marts: prices is the jsonb's text (every digit kept), spreads sorted widest first.
    const reconciliation = await martRows(pipeline.runtime, 'source_reconciliation', { limit: 2 });
    expect(reconciliation).toMatchObject({ partition: PARTITION, sort: 'spread_pct', order: 'desc' });
    const bitcoin = await martRows(pipeline.runtime, 'source_reconciliation', { sort: 'coin_id', limit: 500 });
    const row = bitcoin.rows.find((r) => r['coin_id'] === 'bitcoin');
    expect(JSON.parse(String(row?.['prices']))).toEqual({ coingecko: expect.any(Number) });
    expect(String(row?.['prices'])).toMatch(/^\{"coingecko": \d+(\.\d+)?\}$/);
    expect(await martRows(pipeline.runtime, 'market_daily')).toMatchObject({ partition: null, total: 0 });
  });
});
