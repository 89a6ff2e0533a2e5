/**
 * A backfill whose selection mixes a single_run asset and a per-partition asset downstream of
 * it: ONE range run is queued for the single_run asset; the per-partition runs are queued only
 * once it has succeeded (by the worker, and by any read of the backfill), one per partition,
 * and they read the days it landed. A failed range run releases nothing; re-execute-failed
 * queues the range run again; cancel leaves nothing to release. Postgres, runs executed here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAsset } from '../../src/core/asset.js';
import { ManualClock } from '../../src/core/manual-clock.js';
import { dailyPartitions } from '../../src/core/partitions.js';
import { cancelBackfill, createBackfill, getBackfillDetail, reexecuteFailedBackfill } from '../../src/daemon/backfill.js';
import { releaseDeferredRuns } from '../../src/daemon/backfill-release.js';
import { executeStoredRun } from '../../src/daemon/execute-run.js';
import { backfillRuns } from '../../src/storage/backfills.js';
import { getRun } from '../../src/storage/index.js';
import { postgresTestUrl } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { testRuntime } from './queue-harness.js';

describe.skipIf(postgresTestUrl() === undefined)('backfill with a range run and per-partition runs after it [postgres]', () => {
  let database: TestDatabase;
  let failRange = false;
  const ranges: string[] = [];
  const perDay: { day: string; input: unknown }[] = [];
  const prices = defineAsset({
    key: 'bronze/prices',
    layer: 'bronze',
    description: 'a range per request',
    partitions: dailyPartitions,
    backfillPolicy: 'single_run',
    materialize: async (ctx) => {
      if (failRange) throw new Error('source down');
      ranges.push(`${ctx.partitionRange?.first.key ?? ctx.partition?.key}..${ctx.partition?.key}`);
      return { value: { through: ctx.partition?.key } };
    },
  });
  const daily = defineAsset({
    key: 'gold/daily',
    layer: 'gold',
    description: 'one run per day',
    partitions: dailyPartitions,
    deps: { prices },
    materialize: async (ctx) => {
      perDay.push({ day: ctx.partition?.key as string, input: ctx.inputs.prices });
      return { value: 1 };
    },
  });
  const runtime = () => testRuntime(database, { assets: [prices, daily], clock: new ManualClock(new Date('2026-11-10T00:00:00Z')) });

  beforeAll(async () => {
    database = await createTestDatabase('backfill-range', { backend: 'postgres' });
  });
  afterAll(async () => {
    await database?.destroy();
  });

  it('queues one range run, then one run per partition once it succeeds', async () => {
    const rt = runtime();
    const { backfill, runs } = await createBackfill(rt, { selection: '*', from: '2026-11-01', to: '2026-11-03' });
    expect(runs.map((run) => [run.selection, run.partitionRange])).toEqual([['bronze/prices', { first: '2026-11-01', last: '2026-11-03' }]]);
    // Nothing to release while the range run is queued.
    expect(await releaseDeferredRuns(rt, backfill.id)).toEqual([]);
    expect(await executeStoredRun(rt, runs[0] as (typeof runs)[number])).toMatchObject({ status: 'SUCCESS' });
    expect(ranges).toEqual(['2026-11-01..2026-11-03']);

    const released = await releaseDeferredRuns(rt, backfill.id);
    expect(released.map((run) => [run.selection, run.partitionKey, run.partitionRange])).toEqual([
      ['gold/daily', '2026-11-01', null],
      ['gold/daily', '2026-11-02', null],
      ['gold/daily', '2026-11-03', null],
    ]);
    // Idempotent: a second release (another reader) queues nothing more.
    expect(await releaseDeferredRuns(rt, backfill.id)).toEqual([]);
    expect((await getBackfillDetail(rt, backfill.id)).progress.partitions).toMatchObject({ total: 3, pending: 3, succeeded: 0 });
    for (const run of released) expect((await executeStoredRun(rt, run)).status).toBe('SUCCESS');
    // Each day read the range run's materialization of that day.
    expect(perDay).toEqual(['2026-11-01', '2026-11-02', '2026-11-03'].map((day) => ({ day, input: { through: '2026-11-03' } })));
    const detail = await getBackfillDetail(rt, backfill.id);
    expect(detail.status).toBe('COMPLETED');
    expect(detail.progress.partitions).toMatchObject({ total: 3, succeeded: 3, pending: 0, failed: 0 });
  });

  it('releases nothing after a failed range run; re-execute-failed runs the range again, then the days follow', async () => {
    const rt = runtime();
    failRange = true;
    const { backfill, runs } = await createBackfill(rt, { selection: '*', from: '2026-11-05', to: '2026-11-06' });
    expect((await executeStoredRun(rt, runs[0] as (typeof runs)[number])).status).toBe('FAILURE');
    failRange = false;
    const failed = await getBackfillDetail(rt, backfill.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.progress.partitions).toMatchObject({ total: 2, failed: 2 });
    expect((await backfillRuns(database.db, backfill.id)).length).toBe(1);

    const { runs: again } = await reexecuteFailedBackfill(rt, backfill.id);
    expect(again.map((run) => [run.partitionRange, run.runKey, run.parentRunId])).toEqual([
      [{ first: '2026-11-05', last: '2026-11-06' }, `backfill:${backfill.id}:2026-11-05...2026-11-06:retry1`, runs[0]?.id],
    ]);
    expect((await executeStoredRun(rt, again[0] as (typeof again)[number])).status).toBe('SUCCESS');
    // Read of the backfill releases the per-partition runs (the worker would have at the run's end).
    const detail = await getBackfillDetail(rt, backfill.id);
    expect(detail.progress.partitions).toMatchObject({ total: 2, pending: 2 });
    expect((await backfillRuns(database.db, backfill.id)).filter((run) => run.partitionRange === null).map((run) => run.partitionKey)).toEqual(['2026-11-05', '2026-11-06']);
  });

  it('cancel: the queued range run is canceled and nothing is released', async () => {
    const rt = runtime();
    const { backfill, runs } = await createBackfill(rt, { selection: '*', from: '2026-11-08', to: '2026-11-09' });
    const canceled = await cancelBackfill(rt, backfill.id);
    expect(canceled.canceledRuns).toEqual([runs[0]?.id]);
    expect((await getRun(database.db, runs[0]?.id as string))?.status).toBe('CANCELED');
    expect(await releaseDeferredRuns(rt, backfill.id)).toEqual([]);
    expect(canceled.backfill.status).toBe('CANCELED');
  });
});
