/**
 * The automation evaluator on a real database (PGlite and Postgres): runs executed by the real
 * executor on a ManualClock, then one evaluation at a time, checking the runs it requests and
 * the result and reason it stores per partition.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { defineAsset } from '../../../src/core/asset.js';
import { automation } from '../../../src/core/automation/condition.js';
import { ManualClock } from '../../../src/core/clock.js';
import { sixHourlyPartitions } from '../../../src/core/partitions.js';
import { evaluateAutomation } from '../../../src/daemon/automation/evaluate-automation.js';
import { createRun } from '../../../src/storage/index.js';
import { describeEachBackend } from '../../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-database.js';
import { automationRuns, automationRuntime, chainAssets, currentResult, executeQueued, resultHistory, run } from './automation-harness.js';

const P = '2026-03-02T06:00Z';
const OLD = '2026-03-01T00:00Z';

describeEachBackend('automation evaluator', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(`automation_eval_${backend}`, { backend });
  });
  afterAll(async () => database?.destroy());
  beforeEach(async () => {
    await sql`TRUNCATE strata.runs, strata.events, strata.steps, strata.materializations, strata.run_assets, strata.automation_changes,
      strata.automation_partitions, strata.automation_assets, strata.automation_results, strata.automation_evaluations CASCADE`.execute(database.db);
    await sql`UPDATE strata.automation_cursor SET evaluation_id = 0, evaluated_at = NULL`.execute(database.db);
  });

  const at = (iso: string) => new Date(iso);

  it('an upstream materialization requests one run for the eager chain b → c, then nothing until upstream changes again', async () => {
    const clock = new ManualClock(at('2026-03-02T07:00:00Z'));
    const runtime = automationRuntime(database, clock, chainAssets());
    const first = await evaluateAutomation(runtime);
    expect(first.outcome).toBe('committed');
    expect(first.runIds).toEqual([]);
    expect(await currentResult(database.db, 'silver/b', P)).toMatchObject({ value: false, reason: 'no upstream update: no upstream partition it reads was ever materialized' });

    clock.set(at('2026-03-02T07:01:00Z'));
    const upstreamRun = await run(runtime, { selection: 'bronze/a', partitionKey: P });
    clock.set(at('2026-03-02T07:02:00Z'));
    const second = await evaluateAutomation(runtime);
    expect(second.runIds).toHaveLength(1);
    const [requested] = await automationRuns(database.db);
    expect(requested).toMatchObject({ selection: 'silver/b,gold/c', partition_key: P, run_key: `automation:${second.evaluationId}:${P}`, status: 'QUEUED' });
    expect(await currentResult(database.db, 'silver/b', P)).toMatchObject({
      value: true,
      reason: 'upstream bronze/a updated at 2026-03-02 07:01:00Z; none in progress or failed',
      run_id: requested?.id,
    });
    expect(await currentResult(database.db, 'gold/c', P)).toMatchObject({ value: true, reason: expect.stringContaining('upstream silver/b is requested in this evaluation (same run') });
    expect(upstreamRun).toBeTruthy();

    // The requested run is in progress: evaluated again, nothing more is requested.
    clock.set(at('2026-03-02T07:03:00Z'));
    const third = await evaluateAutomation(runtime);
    expect(third.runIds).toEqual([]);
    expect(await currentResult(database.db, 'silver/b', P)).toMatchObject({ value: false });

    await executeQueued(runtime);
    clock.set(at('2026-03-02T07:04:00Z'));
    const fourth = await evaluateAutomation(runtime);
    expect(fourth.runIds).toEqual([]);
    expect(await currentResult(database.db, 'gold/c', P)).toMatchObject({ value: false, reason: expect.stringMatching(/^no upstream update since this partition materialized at 2026-03-02 07:03:00Z/) });
    expect((await automationRuns(database.db)).map((r) => r.status)).toEqual(['SUCCESS']);
    expect((await resultHistory(database.db, 'silver/b')).map((r) => r.value)).toEqual([false, true, false, false]);

    // Nothing changed: an idle evaluation stores nothing.
    expect((await evaluateAutomation(runtime)).outcome).toBe('idle');
  });

  it('waits while an upstream partition is in progress or failed, and says which run', async () => {
    const clock = new ManualClock(at('2026-03-02T07:00:00Z'));
    const failing = new Set<string>();
    const runtime = automationRuntime(database, clock, chainAssets(failing));
    await run(runtime, { selection: 'bronze/a', partitionKey: P });
    clock.set(at('2026-03-02T07:01:00Z'));
    const queued = await createRun(database.db, { selection: 'bronze/a', partitionKey: P, trigger: 'manual', assetKeys: ['bronze/a'] });
    await evaluateAutomation(runtime);
    expect(await currentResult(database.db, 'silver/b', P)).toMatchObject({ value: false, reason: `waiting: upstream bronze/a in progress (run ${queued.id.slice(0, 8)})` });
    expect(await automationRuns(database.db)).toEqual([]);

    failing.add('bronze/a');
    clock.set(at('2026-03-02T07:02:00Z'));
    await executeQueued(runtime);
    await evaluateAutomation(runtime);
    expect(await currentResult(database.db, 'silver/b', P)).toMatchObject({ value: false, reason: `waiting: upstream bronze/a failed at 2026-03-02 07:02:00Z (run ${queued.id.slice(0, 8)})` });
    expect(await automationRuns(database.db)).toEqual([]);

    failing.delete('bronze/a');
    clock.set(at('2026-03-02T07:03:00Z'));
    await run(runtime, { selection: 'bronze/a', partitionKey: P });
    const evaluation = await evaluateAutomation(runtime);
    expect(evaluation.runIds).toHaveLength(1);
  });

  it('follows an old upstream partition re-materialized (a backfill), and a failed downstream is not retried until upstream changes again', async () => {
    const clock = new ManualClock(at('2026-03-02T07:00:00Z'));
    const failing = new Set(['gold/c']);
    const runtime = automationRuntime(database, clock, chainAssets(failing));
    await evaluateAutomation(runtime);
    await run(runtime, { selection: 'bronze/a', partitionKey: OLD });
    clock.set(at('2026-03-02T07:01:00Z'));
    const evaluation = await evaluateAutomation(runtime);
    expect(evaluation.runIds).toHaveLength(1);
    expect((await automationRuns(database.db))[0]).toMatchObject({ partition_key: OLD, selection: 'silver/b,gold/c' });
    await executeQueued(runtime);
    clock.set(at('2026-03-02T07:02:00Z'));
    expect((await evaluateAutomation(runtime)).runIds).toEqual([]);
    expect(await currentResult(database.db, 'gold/c', OLD)).toMatchObject({ value: false, reason: expect.stringMatching(/^no upstream update since automation requested it/) });
    expect(await currentResult(database.db, 'silver/b', OLD)).toMatchObject({ value: false, reason: expect.stringMatching(/^no upstream update since this partition materialized/) });
  });

  it('on_cron requests the tick partition once per tick; missing() requests once, and a failed run is not retried by it', async () => {
    const failing = new Set<string>(['gold/missing_one']);
    const step = (key: string) => async () => {
      if (failing.has(key)) throw new Error(`${key} broke`);
      return { value: {} };
    };
    const cron = defineAsset({ key: 'bronze/daily6', layer: 'bronze', description: 'cron', partitions: sixHourlyPartitions, automation: automation.onCron('0 6 * * *'), materialize: step('bronze/daily6') });
    const missingOne = defineAsset({ key: 'gold/missing_one', layer: 'gold', description: 'missing', automation: automation.missing(), materialize: step('gold/missing_one') });
    const clock = new ManualClock(at('2026-03-02T05:00:00Z'));
    const runtime = automationRuntime(database, clock, [cron, missingOne]);
    const first = await evaluateAutomation(runtime);
    // missing() on the unpartitioned asset: one run. on_cron judges state, not daemon history:
    // the latest tick (yesterday 06:00) passed and its partition was never handled, so it runs once.
    // One evaluation's runs share a created_at: compared as a set.
    expect((await automationRuns(database.db)).map((r) => `${r.selection} ${r.partition_key}`).sort()).toEqual(['bronze/daily6 2026-03-01T06:00Z', 'gold/missing_one null']);
    expect(await currentResult(database.db, 'bronze/daily6', '2026-03-02T00:00Z')).toMatchObject({ value: false, reason: expect.stringMatching(/^not the partition of the latest on_cron/) });
    expect(first.runIds).toHaveLength(2);
    await executeQueued(runtime);
    clock.set(at('2026-03-02T06:00:05Z'));
    await evaluateAutomation(runtime);
    const runs = await automationRuns(database.db);
    expect(runs.map((r) => `${r.selection} ${r.partition_key} ${r.status}`).sort()).toEqual([
      'bronze/daily6 2026-03-01T06:00Z SUCCESS',
      'bronze/daily6 2026-03-02T06:00Z QUEUED',
      'gold/missing_one null FAILURE',
    ]);
    expect(await currentResult(database.db, 'gold/missing_one', '')).toMatchObject({ value: true, reason: expect.stringMatching(/^never materialized; already requested at 2026-03-02 05:00:00Z/) });
    await executeQueued(runtime);
    clock.set(at('2026-03-02T07:00:00Z'));
    await evaluateAutomation(runtime);
    expect(await automationRuns(database.db)).toHaveLength(3);
    expect(await currentResult(database.db, 'bronze/daily6', '2026-03-02T06:00Z')).toMatchObject({ value: false, reason: expect.stringContaining('already handled') });
    // The next day's tick: once more.
    clock.set(at('2026-03-03T06:00:01Z'));
    await evaluateAutomation(runtime);
    expect((await automationRuns(database.db)).map((r) => String(r.partition_key)).sort()).toEqual(['2026-03-01T06:00Z', '2026-03-02T06:00Z', '2026-03-03T06:00Z', 'null']);
  });
});
