/**
 * Single-run range backfills of the price history (backfillPolicy 'single_run'): a range
 * materialize and a backfill each make ONE run that fetches each coin's range with one request
 * and loads every day; the step events name the range and each day is materialized. Then what a
 * user hits: a range run whose silver step failed, re-executed from failure (no new request),
 * and a range run canceled mid-fetch, whose re-run fetches only the coins not yet landed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackfill, getBackfillDetail } from '../../src/daemon/backfill.js';
import { executeStoredRun } from '../../src/daemon/execute-run.js';
import { materializeRange } from '../../src/daemon/materialize-range.js';
import { reexecute } from '../../src/daemon/retry-run.js';
import { buildApp } from '../../src/server/app.js';
import { eventsForRun, stepsForRun } from '../../src/storage/index.js';
import { postgresTestUrl } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { interceptSessions } from '../pipeline/pipeline-harness.js';
import { HISTORY_SELECTION, TOP_5, querySql, rangeRequests, startHistoryPipeline, type HistoryPipeline, type RangeRequest } from './history-harness.js';

const BRONZE = 'bronze/coingecko_price_history';
const SILVER = 'silver/price_history';

const request = (coin: string, first: string, last: string): RangeRequest => ({ coin, from: `${first}T00:00:00.000Z`, to: `${last}T23:59:59.000Z`, status: 200 });

describe.skipIf(postgresTestUrl() === undefined)('single-run range of the price history [postgres]', () => {
  let database: TestDatabase;
  let pipeline: HistoryPipeline;
  let seen = 0;
  let failStage = false;
  /** Called before each pending note is written (one per fetch). */
  let beforeNote: () => void = () => {};

  const newRequests = (): RangeRequest[] => {
    const all = rangeRequests(pipeline.fake.requests);
    const fresh = all.slice(seen);
    seen = all.length;
    return fresh;
  };
  const daysLoaded = async (from: string, to: string) =>
    (await querySql<{ n: number }>(database, 'SELECT count(*)::int AS n FROM silver.price_history WHERE day BETWEEN $1::date AND $2::date', [from, to]))[0]?.n;
  const materializedDays = async (asset: string, from: string, to: string) =>
    (await querySql<{ partition_key: string }>(
      database,
      `SELECT partition_key FROM strata.materializations WHERE asset_key = $1 AND partition_key COLLATE "C" BETWEEN $2 AND $3 ORDER BY partition_key COLLATE "C"`,
      [asset, from, to],
    )).map((row) => row.partition_key);

  beforeAll(async () => {
    database = await createTestDatabase('history-range', { backend: 'postgres' });
    pipeline = await startHistoryPipeline(database, {
      resources: (resources) =>
        interceptSessions(resources, (statement) => {
          if (statement.includes('INSERT INTO silver.price_history_pending')) beforeNote();
          if (failStage && statement.includes('stage_price_history')) {
            failStage = false;
            throw new Error('injected: silver load failed');
          }
        }),
    });
    expect((await pipeline.loadMarkets()).result.status).toBe('SUCCESS');
    newRequests();
  });

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  it('materializes a 30-day range in one run: one request per coin, every day loaded and materialized', async () => {
    pipeline.clock.at('2025-01-30');
    const outcomes = await materializeRange(pipeline.runtime, { selection: HISTORY_SELECTION, from: '2025-01-01', to: '2025-01-30' });
    expect(outcomes).toHaveLength(1);
    const [outcome] = outcomes;
    if (outcome === undefined || !('run' in outcome)) throw new Error(`expected one run, got ${JSON.stringify(outcomes)}`);
    expect(outcome.result.status).toBe('SUCCESS');
    expect(outcome.partition).toBe('2025-01-01...2025-01-30');
    expect(outcome.run.partitionRange).toEqual({ first: '2025-01-01', last: '2025-01-30' });
    expect(outcome.run.partitionKey).toBe('2025-01-30');

    expect(newRequests()).toEqual(TOP_5.map((coin) => request(coin, '2025-01-01', '2025-01-30')));
    expect(await daysLoaded('2025-01-01', '2025-01-30')).toBe(5 * 30);
    expect(await materializedDays(BRONZE, '2025-01-01', '2025-01-30')).toHaveLength(30);
    expect(await materializedDays(SILVER, '2025-01-01', '2025-01-30')).toHaveLength(30);

    const steps = await stepsForRun(database.db, outcome.run.id);
    expect(steps.map((step) => [step.assetKey, step.partitionKey, step.status])).toEqual([
      [BRONZE, '2025-01-01...2025-01-30', 'SUCCESS'],
      [SILVER, '2025-01-01...2025-01-30', 'SUCCESS'],
    ]);
    const events = (await eventsForRun(database.db, outcome.run.id)).map((stored) => stored.event);
    const materialized = events.filter((event) => event.type === 'asset:materialized' && event.assetKey === SILVER);
    expect(materialized).toHaveLength(30);
    expect(materialized.every((event) => 'range' in event && event.range === '2025-01-01...2025-01-30')).toBe(true);
    expect(outcome.result.steps.find((step) => step.assetKey === BRONZE)?.metadata).toMatchObject({ fetched: 5, fetched_days: 150, days: 30 });
  });

  it('backfills a range with one queued run that a worker executes; the backfill counts every partition', async () => {
    pipeline.clock.at('2025-02-10');
    const { backfill, runs } = await createBackfill(pipeline.runtime, { selection: HISTORY_SELECTION, from: '2025-02-01', to: '2025-02-10' });
    expect(runs).toHaveLength(1);
    expect(runs[0]?.partitionRange).toEqual({ first: '2025-02-01', last: '2025-02-10' });
    expect(backfill.progress.partitions).toMatchObject({ total: 10, pending: 10 });
    const result = await executeStoredRun(pipeline.runtime, runs[0] as (typeof runs)[number]);
    expect(result.status).toBe('SUCCESS');
    // One request per coin, reaching back to the day after January's range (2025-01-31) like any catch-up.
    expect(newRequests()).toEqual(TOP_5.map((coin) => request(coin, '2025-01-31', '2025-02-10')));
    expect(await daysLoaded('2025-02-01', '2025-02-10')).toBe(5 * 10);
    const detail = await getBackfillDetail(pipeline.runtime, backfill.id);
    expect(detail.status).toBe('COMPLETED');
    expect(detail.progress.partitions).toMatchObject({ total: 10, succeeded: 10, pending: 0, failed: 0 });

    // The API (validated against its response schema) and the pages show the range.
    const app = await buildApp({ runtime: pipeline.runtime });
    try {
      const runId = runs[0]?.id as string;
      const api = await app.inject({ method: 'GET', url: `/api/v1/runs/${runId}` });
      expect(api.statusCode).toBe(200);
      const body = api.json<{ run: { partitionRange: unknown; partitionKey: string }; steps: { partitionKey: string }[] }>();
      expect(body.run).toMatchObject({ partitionRange: { first: '2025-02-01', last: '2025-02-10' }, partitionKey: '2025-02-10' });
      expect(body.steps.map((step) => step.partitionKey)).toEqual(['2025-02-01...2025-02-10', '2025-02-01...2025-02-10']);
      const page = await app.inject({ method: 'GET', url: `/runs/${runId}` });
      expect(page.body).toContain('2025-02-01...2025-02-10 <span class="muted">(one range run');
      const backfillPage = await app.inject({ method: 'GET', url: `/backfills/${backfill.id}` });
      expect(backfillPage.body).toMatch(/data-testid="backfill-range-run">.*2025-02-01\.\.\.2025-02-10 SUCCESS/);
      const backfillApi = await app.inject({ method: 'GET', url: `/api/v1/backfills/${backfill.id}` });
      expect(backfillApi.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('re-executes a failed range run from failure: bronze skipped by its range step key, silver loads every day, no new request', async () => {
    pipeline.clock.at('2025-03-05');
    failStage = true;
    const [outcome] = await materializeRange(pipeline.runtime, { selection: HISTORY_SELECTION, from: '2025-03-01', to: '2025-03-05' });
    if (outcome === undefined || !('run' in outcome)) throw new Error('expected a run');
    expect(outcome.result.status).toBe('FAILURE');
    expect(newRequests()).toHaveLength(5);
    expect(await daysLoaded('2025-03-01', '2025-03-05')).toBe(0);

    const retry = await reexecute(pipeline.runtime, outcome.run.id, { fromFailure: true });
    expect(retry.partitionRange).toEqual({ first: '2025-03-01', last: '2025-03-05' });
    expect(retry.skipSteps).toEqual([`${BRONZE}|2025-03-01...2025-03-05`]);
    const result = await executeStoredRun(pipeline.runtime, retry);
    expect(result.status).toBe('SUCCESS');
    expect(result.steps.map((step) => [step.assetKey, step.status])).toEqual([
      [BRONZE, 'SKIPPED'],
      [SILVER, 'SUCCESS'],
    ]);
    expect(newRequests()).toEqual([]);
    expect(await daysLoaded('2025-03-01', '2025-03-05')).toBe(5 * 5);
  });

  it('cancels a range run mid-fetch; the next range run fetches only the coins not landed, each once', async () => {
    pipeline.clock.at('2025-04-10');
    const controller = new AbortController();
    let notes = 0;
    beforeNote = () => {
      notes += 1;
      if (notes === 3) controller.abort(new Error('canceled by the user'));
    };
    const [outcome] = await materializeRange(pipeline.runtime, { selection: HISTORY_SELECTION, from: '2025-04-01', to: '2025-04-10' }, controller.signal);
    beforeNote = () => {};
    if (outcome === undefined || !('run' in outcome)) throw new Error('expected a run');
    expect(outcome.result.status).toBe('CANCELED');
    expect(outcome.result.steps.map((step) => [step.assetKey, step.status])).toEqual([
      [BRONZE, 'CANCELED'],
      [SILVER, 'SKIPPED'],
    ]);
    const landed = newRequests().filter((each) => each.status === 200);
    expect(landed.map((each) => each.coin)).toEqual(TOP_5.slice(0, 2));
    expect(await materializedDays(BRONZE, '2025-04-01', '2025-04-10')).toEqual([]);

    const [again] = await materializeRange(pipeline.runtime, { selection: HISTORY_SELECTION, from: '2025-04-01', to: '2025-04-10' });
    if (again === undefined || !('run' in again)) throw new Error('expected a run');
    expect(again.result.status).toBe('SUCCESS');
    // Like a one-day run's catch-up, the fetch reaches back to the day after the newest load (2025-03-05).
    expect(newRequests()).toEqual(TOP_5.slice(2).map((coin) => request(coin, '2025-03-06', '2025-04-10')));
    expect(await daysLoaded('2025-04-01', '2025-04-10')).toBe(5 * 10);
    expect(await materializedDays(SILVER, '2025-04-01', '2025-04-10')).toHaveLength(10);
  });
});
