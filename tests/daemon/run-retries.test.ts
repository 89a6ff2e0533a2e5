/**
 * The run-retry policy: where a run's `maxRetries` comes from (STRATA_RUN_MAX_RETRIES, the
 * schedule, its operator override, the request), and how the run monitor and a shutting-down
 * worker follow it: never more retries than the policy says, none with 0, none after a cancel.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { DefinitionError } from '../../src/core/errors.js';
import { ManualClock } from '../../src/core/manual-clock.js';
import { defineSchedule } from '../../src/core/schedule.js';
import { queueRun } from '../../src/daemon/execute-run.js';
import { runMonitorOnce } from '../../src/daemon/run-monitor.js';
import { createScheduler } from '../../src/daemon/scheduler.js';
import { createWorker } from '../../src/daemon/worker.js';
import { configuredSchedules } from '../helpers/shipped-definitions.js';
import type { Runtime } from '../../src/runtime.js';
import { claimRuns, getRun, type Run } from '../../src/storage/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { StepGates, testGraph, testRuntime, waitForRunEnds } from './queue-harness.js';

describe('run-retry settings', () => {
  it('STRATA_RUN_MAX_RETRIES: default 2, 0 to 10, anything else names the variable', () => {
    expect(loadConfig({}).runMaxRetries).toBe(2);
    expect(loadConfig({ STRATA_RUN_MAX_RETRIES: '0' }).runMaxRetries).toBe(0);
    for (const bad of ['-1', '11', 'two', '1.5']) {
      expect(() => loadConfig({ STRATA_RUN_MAX_RETRIES: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ STRATA_RUN_MAX_RETRIES: bad })).toThrow(/STRATA_RUN_MAX_RETRIES/);
    }
  });

  it('STRATA_SCHEDULE_<NAME>_MAX_RETRIES overrides one schedule; a bad value or an unknown schedule is a clear error', () => {
    const [sixHourly, daily] = configuredSchedules(loadConfig({ STRATA_SCHEDULE_DAILY_MAX_RETRIES: '0' }));
    expect(sixHourly).toMatchObject({ name: 'every_6_hours', maxRetries: undefined, overridden: undefined });
    expect(daily).toMatchObject({ name: 'daily', cron: '15 0 * * *', maxRetries: 0, overridden: { maxRetries: 0 } });
    expect(() => loadConfig({ STRATA_SCHEDULE_DAILY_MAX_RETRIES: 'often' })).toThrow(
      "invalid configuration: STRATA_SCHEDULE_DAILY_MAX_RETRIES: expected a number of run retries (an integer from 0 to 10), got 'often'",
    );
    expect(() => configuredSchedules(loadConfig({ STRATA_SCHEDULE_HOURLY_MAX_RETRIES: '1' }))).toThrow(
      /unknown schedule 'hourly' \(STRATA_SCHEDULE_HOURLY_CRON\/_TZ\/_MAX_RETRIES\)/,
    );
  });

  it("a schedule's maxRetries must be an integer from 0 to 10", () => {
    expect(defineSchedule({ name: 'nightly', cron: '0 1 * * *', selection: '*', maxRetries: 3 }).maxRetries).toBe(3);
    expect(() => defineSchedule({ name: 'nightly', cron: '0 1 * * *', selection: '*', maxRetries: 11 })).toThrow(DefinitionError);
    expect(() => defineSchedule({ name: 'nightly', cron: '0 1 * * *', selection: '*', maxRetries: -1 })).toThrow(
      "schedule 'nightly': maxRetries must be an integer from 0 to 10, got -1",
    );
  });
});

describeEachBackend('run retries', (backend) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('run_retries', { backend });
  });
  afterAll(async () => {
    await database?.destroy();
  });

  /** A worker that claims `run` and then goes silent: its heartbeat stays at `at`. */
  async function loseWorker(run: Run, at: Date): Promise<void> {
    const claimed = await claimRuns(database.db, { workerId: 'ghost', max: 1, at, maxConcurrentRuns: 100 });
    expect(claimed.map((entry) => entry.id)).toEqual([run.id]);
  }
  const childrenOf = (runId: string) => database.db.selectFrom('strata.runs').selectAll().where('parent_run_id', '=', runId).execute();

  it('a manual run whose worker is lost is retried by default, and never more often than its maxRetries', async () => {
    const runtime = testRuntime(database, { assets: testGraph(new StepGates()), env: { STRATA_RUN_MAX_RETRIES: '1' } });
    const at = new Date();
    const later = new Date(at.getTime() + 31_000);
    const run = await queueRun(runtime, { selection: 'gold/free' });
    expect(run).toMatchObject({ trigger: 'manual', maxRetries: 1, attempt: 1 });

    await loseWorker(run, at);
    const first = await runMonitorOnce(runtime, later);
    expect(first.failed.map((entry) => entry.run.id)).toEqual([run.id]);
    const retry = first.failed[0]?.retry;
    expect(retry).toMatchObject({ trigger: 'retry', parentRunId: run.id, attempt: 2, maxRetries: 1, status: 'QUEUED' });

    await loseWorker(retry!, at);
    const second = await runMonitorOnce(runtime, later);
    expect(second.failed).toEqual([{ run: expect.objectContaining({ id: retry!.id }), retry: undefined }]);
    expect(await getRun(database.db, retry!.id)).toMatchObject({ status: 'FAILURE', error: expect.stringMatching(/^worker ghost stopped heartbeating/) });
    expect(await childrenOf(retry!.id)).toEqual([]);
    // Another pass (another monitor, or the recovery of a crashed one) does not retry it either.
    expect((await runMonitorOnce(runtime, later)).failed).toEqual([]);
  });

  it('a run someone asked to cancel is never retried, even when the monitor failed it before seeing the cancel', async () => {
    const runtime = testRuntime(database, { assets: testGraph(new StepGates()) });
    const at = new Date();
    const run = await queueRun(runtime, { selection: 'gold/free', maxRetries: 3 });
    await loseWorker(run, at);
    // The monitor ended the run FAILURE (worker lost) and crashed before queuing the retry; the cancel came in between.
    await sql`UPDATE strata.runs SET status = 'FAILURE', ended_at = ${at}, cancel_requested_at = ${at},
      error = 'worker ghost stopped heartbeating (last heartbeat never, timeout 30 s)' WHERE id = ${run.id}`.execute(database.db);
    expect((await runMonitorOnce(runtime, new Date(at.getTime() + 31_000))).failed).toEqual([]);
    expect(await childrenOf(run.id)).toEqual([]);
  });

  it('a worker shutting down mid-run queues no retry for a run whose retries are 0, and says so', async () => {
    const gates = new StepGates();
    const runtime: Runtime = testRuntime(database, { assets: testGraph(gates) });
    const worker = createWorker(runtime, { concurrency: 1 });
    await worker.start();
    const run = await queueRun(runtime, { selection: 'gold/free', maxRetries: 0 });
    const ended = waitForRunEnds([runtime.events], [run.id]);
    await gates.next();
    await worker.stop({ graceMs: 0 });
    const end = (await ended).get(run.id);
    expect(end?.type === 'run:failed' && end.message).toMatch(/^interrupted: worker .* shut down.*; not retried \(its run retries are 0\)$/);
    expect(await childrenOf(run.id)).toEqual([]);
  });

  it("a schedule's runs carry its maxRetries, else STRATA_RUN_MAX_RETRIES", async () => {
    const clock = new ManualClock(new Date('2026-11-23T00:00:30Z'));
    const runtime = testRuntime(database, { assets: testGraph(new StepGates()), clock, env: { STRATA_RUN_MAX_RETRIES: '3' } });
    const once = defineSchedule({ name: 'hourly_once', cron: '0 * * * *', selection: 'gold/free', maxRetries: 0 });
    const usual = defineSchedule({ name: 'hourly_usual', cron: '0 * * * *', selection: 'gold/free' });
    const scheduler = createScheduler(runtime, { schedules: [once, usual], clock });
    await scheduler.evaluateDue();
    clock.set(new Date('2026-11-23T01:00:01Z'));
    await scheduler.evaluateDue();
    const runs = await database.db.selectFrom('strata.runs').select(['run_key', 'max_retries']).where('trigger', '=', 'schedule').orderBy('run_key').execute();
    expect(runs).toEqual([
      { run_key: 'schedule:hourly_once:2026-11-23T01:00:00.000Z', max_retries: 0 },
      { run_key: 'schedule:hourly_usual:2026-11-23T01:00:00.000Z', max_retries: 3 },
    ]);
  });
});
