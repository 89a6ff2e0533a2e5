import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/manual-clock.js';
import { requestCancel } from '../../src/daemon/cancel-run.js';
import { queueRun } from '../../src/daemon/execute-run.js';
import { RunNotCancelableError } from '../../src/daemon/run-errors.js';
import { runMonitorOnce } from '../../src/daemon/run-monitor.js';
import { createWorker } from '../../src/daemon/worker.js';
import { claimRuns, eventsForRun, getRun, listProcesses, openDatabase, stepsForRun, type StrataDatabase } from '../../src/storage/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { StepGates, testGraph, testRuntime, waitForRunEnds } from './queue-harness.js';

describeEachBackend('workers', (backend) => {
  let database: TestDatabase;
  let second: StrataDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('workers', { backend });
    second = backend === 'postgres' ? await openDatabase({ databaseUrl: database.url, dataDir: '/nonexistent' }) : database;
  });
  afterAll(async () => {
    if (second !== database) await second?.close();
    await database?.destroy();
  });

  it('the coingecko pool (size 1) holds per step under 5 concurrent runs on two workers, which are not held back at claim', async () => {
    const gates = new StepGates();
    gates.open.add('silver/clean');
    let inPool = 0;
    let maxInPool = 0;
    const assets = testGraph(gates, (key) => {
      if (key === 'bronze/api') maxInPool = Math.max(maxInPool, ++inPool);
    });
    const env = { STRATA_MAX_CONCURRENT_RUNS: '10' };
    const one = testRuntime(database, { assets, env });
    const two = testRuntime(second, { assets, env });
    const workers = [createWorker(one, { concurrency: 5 }), createWorker(two, { concurrency: 5 })];
    const free = await queueRun(one, { selection: 'gold/free' });
    const runs = [];
    for (let i = 0; i < 5; i += 1) runs.push(await queueRun(one, { selection: 'bronze/api+' }));
    const ended = waitForRunEnds([one.events, two.events], [...runs, free].map((run) => run.id));
    // A step that finds the pool full says so in its log.
    const waiting = new Promise<void>((resolve) => {
      for (const bus of [one.events, two.events]) {
        bus.on('log', (event) => {
          if (event.message === 'waiting for pool coingecko (1 of 1 in use)') resolve();
        });
      }
    });
    await Promise.all(workers.map((worker) => worker.start()));
    let waited = false;
    for (let i = 0; i < 6; i += 1) {
      const entered = await gates.next();
      if (entered.assetKey === 'bronze/api') {
        if (!waited) await waiting;
        waited = true;
        inPool -= 1;
      }
      entered.release();
    }
    const ends = await ended;
    await Promise.all(workers.map((worker) => worker.stop({ graceMs: 0 })));
    expect([...ends.values()].map((event) => event.type)).toEqual(Array(6).fill('run:succeeded'));
    expect(maxInPool).toBe(1);
    expect(await database.db.selectFrom('strata.pool_slots' as never).selectAll().execute()).toEqual([]);
  });

  it('steps of a run run at once up to STRATA_MAX_CONCURRENT_STEPS, or the run tag strata/max_concurrent_steps', async () => {
    for (const [env, tags] of [
      [{ STRATA_MAX_CONCURRENT_STEPS: '2' }, {}],
      [{ STRATA_MAX_CONCURRENT_STEPS: '1' }, { 'strata/max_concurrent_steps': '2' }],
    ] as const) {
      const gates = new StepGates();
      const runtime = testRuntime(database, { assets: testGraph(gates), env });
      const worker = createWorker(runtime, { concurrency: 1 });
      await worker.start();
      try {
        const run = await queueRun(runtime, { selection: '*', tags });
        const ended = waitForRunEnds([runtime.events], [run.id]);
        // Both independent steps are in flight together: neither is released before the other arrives.
        const both = [await gates.next(), await gates.next()];
        expect(both.map((entered) => entered.assetKey).sort()).toEqual(['bronze/api', 'gold/free']);
        for (const entered of both) entered.release();
        (await gates.next()).release();
        expect((await ended).get(run.id)?.type).toBe('run:succeeded');
        // Interleaved steps: each step's events are stored once each, in its own order.
        const stored = (await eventsForRun(database.db, run.id)).map(({ event }) => event);
        for (const assetKey of ['bronze/api', 'silver/clean', 'gold/free']) {
          const ofStep = stored.filter((event) => 'assetKey' in event && event.assetKey === assetKey && event.type !== 'log').map((event) => event.type);
          expect(ofStep).toEqual(['step:started', 'asset:materialized', 'step:succeeded']);
        }
        expect(stored.filter((event) => event.type.startsWith('run:')).map((event) => event.type)).toEqual(['run:started', 'run:succeeded']);
      } finally {
        await worker.stop({ graceMs: 0 });
      }
    }
  });

  it('cancel reaches the running step through its AbortSignal and the run ends CANCELED within 2 s', async () => {
    const gates = new StepGates();
    const runtime = testRuntime(database, { assets: testGraph(gates) });
    const canceler = testRuntime(second, { assets: testGraph(gates) });
    const worker = createWorker(runtime, { concurrency: 1 });
    await worker.start();
    try {
      const run = await queueRun(runtime, { selection: 'bronze/api+' });
      const ended = waitForRunEnds([runtime.events], [run.id]);
      const entered = await gates.next();
      const started = performance.now();
      // From the other connection: on Postgres the cancel travels by NOTIFY.
      const requested = await requestCancel(canceler, run.id);
      expect(requested.cancelRequestedAt).not.toBeNull();
      const end = await ended;
      const elapsed = performance.now() - started;
      expect(entered.signal.aborted).toBe(true);
      expect(end.get(run.id)?.type).toBe('run:canceled');
      expect(elapsed).toBeLessThan(2000);
      expect((await getRun(database.db, run.id))?.status).toBe('CANCELED');
      const steps = await stepsForRun(database.db, run.id);
      expect(steps.find((step) => step.assetKey === 'silver/clean')?.status).toBe('SKIPPED');

      await expect(requestCancel(runtime, run.id)).rejects.toBeInstanceOf(RunNotCancelableError);
      await expect(requestCancel(runtime, run.id)).rejects.toMatchObject({ code: 'RUN_TRANSITION_INVALID' });
      await expect(requestCancel(runtime, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
    } finally {
      await worker.stop({ graceMs: 0 });
    }
  });

  it('cancel of a queued run ends it at once; it is never claimed', async () => {
    const runtime = testRuntime(database, { assets: testGraph(new StepGates()) });
    const run = await queueRun(runtime, { selection: 'gold/free' });
    expect((await requestCancel(runtime, run.id)).status).toBe('CANCELED');
    expect((await eventsForRun(database.db, run.id)).map((stored) => stored.event.type)).toEqual(['run:canceled']);
  });

  it('SIGTERM path: a step in flight finishes within the grace period, the next one never starts, a retry resumes and succeeds', async () => {
    const gates = new StepGates();
    const clock = new ManualClock(new Date());
    const runtime = testRuntime(database, { assets: testGraph(gates) });
    const worker = createWorker(runtime, { concurrency: 2, clock });
    await worker.start();
    const finishing = await queueRun(runtime, { selection: 'bronze/api+' });
    const stuck = await queueRun(runtime, { selection: 'gold/free' });
    const ended = waitForRunEnds([runtime.events], [finishing.id, stuck.id]);
    const first = await gates.next();
    const second = await gates.next();
    const [api, free] = first.assetKey === 'bronze/api' ? [first, second] : [second, first];
    const stopped = worker.stop({ graceMs: 30_000 });
    api!.release();
    // The grace period runs out for the run whose step never finishes.
    await waitForSleep(clock, 30_000);
    clock.advance(30_000);
    await stopped;
    const ends = await ended;
    expect(free!.signal.aborted).toBe(true);
    for (const run of [finishing, stuck]) {
      const end = ends.get(run.id);
      expect(end?.type).toBe('run:failed');
      expect(end?.type === 'run:failed' && end.message).toMatch(/^interrupted: worker .* shut down.*; resumed as run /);
    }
    const active = await database.db.selectFrom('strata.runs').select('id').where('status', 'in', ['STARTING', 'STARTED']).execute();
    expect(active).toEqual([]);
    const retries = await database.db.selectFrom('strata.runs').selectAll().where('parent_run_id', 'in', [finishing.id, stuck.id]).execute();
    expect(retries.map((retry) => [retry.parent_run_id, retry.status, retry.trigger, retry.skip_steps])).toEqual(
      expect.arrayContaining([
        [finishing.id, 'QUEUED', 'retry', ['bronze/api|']],
        [stuck.id, 'QUEUED', 'retry', []],
      ]),
    );
    expect((await listProcesses(database.db)).map((p) => p.id)).not.toContain(worker.id);

    // Another worker resumes both: bronze/api is not run again for the first.
    gates.open.add('bronze/api').add('silver/clean').add('gold/free');
    const retryIds = retries.map((retry) => retry.id);
    const resumed = waitForRunEnds([runtime.events], retryIds);
    const next = createWorker(runtime, { concurrency: 2 });
    await next.start();
    const retryEnds = await resumed;
    await next.stop({ graceMs: 0 });
    expect([...retryEnds.values()].map((event) => event.type)).toEqual(['run:succeeded', 'run:succeeded']);
    const resumedSteps = await stepsForRun(database.db, retries.find((retry) => retry.parent_run_id === finishing.id)!.id);
    expect(resumedSteps.map((step) => [step.assetKey, step.status])).toEqual(
      expect.arrayContaining([
        ['bronze/api', 'SKIPPED'],
        ['silver/clean', 'SUCCESS'],
      ]),
    );
  });

  it('the monitor fails a run whose worker stopped heartbeating, says why, and retries it from failure per max_retries', async () => {
    const gates = new StepGates();
    gates.open.add('bronze/api');
    const clock = new ManualClock(new Date('2026-11-23T06:00:00Z'));
    const runtime = testRuntime(database, { assets: testGraph(gates), clock, env: { STRATA_HEARTBEAT_TIMEOUT: '30' } });
    // A worker that executes the scheduled run, then goes silent (we stop watching for its heartbeats by time alone).
    const worker = createWorker(runtime, { concurrency: 1 });
    await worker.start();
    const run = await queueRun(runtime, { selection: 'bronze/api+', trigger: 'schedule' });
    const clean = await gates.next();
    expect(clean.assetKey).toBe('silver/clean');
    const manual = await queueRun(runtime, { selection: 'gold/free', maxRetries: 0 });
    await claimRuns(database.db, { workerId: 'ghost', max: 1, at: clock.now(), maxConcurrentRuns: 10 });

    expect(await runMonitorOnce(runtime, new Date(clock.now().getTime() + 29_000))).toEqual({ failed: [], canceled: [] });
    const result = await runMonitorOnce(runtime, new Date(clock.now().getTime() + 31_000));
    // Both: the live worker heartbeats at the ManualClock's (unmoved) time, so it too looks 31 s silent.
    const byId = new Map(result.failed.map((entry) => [entry.run.id, entry.retry]));
    expect(byId.get(manual.id)).toBeUndefined();
    const retry = byId.get(run.id);
    expect(retry).toMatchObject({ trigger: 'retry', parentRunId: run.id, attempt: 2, maxRetries: 2, skipSteps: ['bronze/api|'], pools: ['coingecko'] });
    const failed = await getRun(database.db, manual.id);
    expect(failed?.status).toBe('FAILURE');
    expect(failed?.error).toMatch(/^worker ghost stopped heartbeating \(last heartbeat .*, timeout 30 s\)$/);
    const log = await eventsForRun(database.db, manual.id);
    expect(log.at(-1)?.event).toMatchObject({ type: 'run:failed', message: failed?.error });

    // The lost run's step is aborted on its worker's next heartbeat; the same worker then resumes the retry.
    await clean.signal.aborted ? undefined : new Promise((resolve) => clean.signal.addEventListener('abort', resolve, { once: true }));
    gates.open.add('silver/clean');
    const ended = await waitForRunEnds([runtime.events], [retry!.id]);
    expect(ended.get(retry!.id)?.type).toBe('run:succeeded');
    await worker.stop({ graceMs: 0 });
    expect((await stepsForRun(database.db, retry!.id)).map((step) => [step.assetKey, step.status])).toEqual(
      expect.arrayContaining([
        ['bronze/api', 'SKIPPED'],
        ['silver/clean', 'SUCCESS'],
      ]),
    );
    // A second pass (another monitor) changes nothing: no second retry.
    expect((await runMonitorOnce(runtime, new Date(clock.now().getTime() + 31_000))).failed).toEqual([]);
  });
});

async function waitForSleep(clock: ManualClock, ms: number): Promise<void> {
  for (;;) if ((await clock.nextSleep()).ms === ms) return;
}

