/**
 * Sensors evaluated by the daemon's sensor loop, with a ManualClock, on PGlite and Postgres:
 * what each outcome stores (requested, skipped, failed), run keys making one run, the error
 * boundary (throw, timeout, malformed result, unknown asset) and the switch.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/manual-clock.js';
import { defineSensor, type SensorContext, type SensorResult, type SensorSpec } from '../../../src/core/sensor.js';
import { createSensorDaemon, type SensorRoundResult } from '../../../src/daemon/sensors/sensor-daemon.js';
import { getSensorState, setSensorStatus } from '../../../src/storage/sensor-state.js';
import { describeEachBackend } from '../../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-database.js';
import { openScheduleRuntime, type ScheduleTestRuntime } from '../schedule-harness.js';
import { evaluationsOf, runsOfSensor } from './sensor-harness.js';

const START = new Date('2026-11-23T01:00:00.000Z');

describeEachBackend('sensor evaluation', (backend) => {
  let database: TestDatabase;
  let harness: ScheduleTestRuntime;
  let clock: ManualClock;
  let counter = 0;
  let name: string;

  beforeAll(async () => {
    database = await createTestDatabase(`sensors_${backend}`, { backend });
    clock = new ManualClock(START);
    harness = await openScheduleRuntime(database, clock);
  });
  afterAll(async () => {
    await harness?.stop();
    await database?.destroy();
  });
  beforeEach(() => {
    counter += 1;
    name = `sensor_${counter}`;
    clock.set(START);
  });

  function daemonFor(spec: Partial<SensorSpec> & Pick<SensorSpec, 'evaluate'>, daemonId = 'daemon-a', daemonClock: ManualClock = clock) {
    const sensor = defineSensor({ name, minimumIntervalSeconds: 30, ...spec });
    return createSensorDaemon(harness.runtime, { sensors: [sensor], daemonId, clock: daemonClock, onLoopResult: async () => {} });
  }

  function committed(results: readonly SensorRoundResult[]) {
    const [result] = results;
    if (result?.status !== 'committed') throw new Error(`expected a committed evaluation, got ${JSON.stringify(results)}`);
    return result;
  }

  it('requests a run with trigger sensor, its tags and a namespaced run key; the key never makes a second run', async () => {
    const seen: Array<string | undefined> = [];
    const daemon = daemonFor({
      evaluate(ctx: SensorContext): SensorResult {
        seen.push(ctx.cursor);
        return { runRequests: [{ selection: 'bronze/raw', partitionKey: '2026-11-23T00:00Z', runKey: 'file-1', tags: { source: 'inbox' } }], cursor: 'c1' };
      },
    });
    const first = committed(await daemon.evaluateDue());
    expect(first.newRuns).toBe(1);
    expect(first.evaluations[0]).toMatchObject({ outcome: 'requested', cursorBefore: null, cursorAfter: 'c1', skipReason: null, error: null });
    const runs = await runsOfSensor(database, name);
    expect(runs).toEqual([
      expect.objectContaining({ runKey: `sensor:${name}:file-1`, trigger: 'sensor', selection: 'bronze/raw', tags: { source: 'inbox', sensor: name, sensor_run_key: 'file-1' } }),
    ]);
    expect(first.evaluations[0]?.runRequests).toEqual([{ runKey: 'file-1', runId: runs[0]?.id, selection: 'bronze/raw', partitionKey: '2026-11-23T00:00Z', existed: false }]);

    // Not due before its interval: nothing happens, nothing is stored.
    clock.advance(29_000);
    expect(await daemon.evaluateDue()).toEqual([]);
    clock.advance(1_000);
    const second = committed(await daemon.evaluateDue());
    expect(second.newRuns).toBe(0);
    expect(second.evaluations[0]?.runRequests).toEqual([expect.objectContaining({ runKey: 'file-1', runId: runs[0]?.id, existed: true })]);
    expect(await runsOfSensor(database, name)).toHaveLength(1);
    expect(seen).toEqual([undefined, 'c1']);
    expect(await evaluationsOf(database, name)).toHaveLength(2);
  });

  it('records a skip with its reason, and no result as "no run requests"; a request without a run key makes a new run each time', async () => {
    let call = 0;
    const daemon = daemonFor({
      evaluate(): SensorResult | undefined {
        call += 1;
        if (call === 1) return { skipReason: 'no new files in inbox/' };
        if (call === 2) return undefined;
        return { runRequests: [{ selection: 'bronze/raw', partitionKey: '2026-11-23T00:00Z' }] };
      },
    });
    for (let i = 0; i < 4; i++) {
      await daemon.evaluateDue();
      clock.advance(30_000);
    }
    const evaluations = await evaluationsOf(database, name);
    expect(evaluations.map((evaluation) => [evaluation.outcome, evaluation.skipReason])).toEqual([
      ['skipped', 'no new files in inbox/'],
      ['skipped', 'no run requests'],
      ['requested', null],
      ['requested', null],
    ]);
    expect(await runsOfSensor(database, name)).toHaveLength(2);
  });

  it('a sensor that throws is recorded with its error and stack, keeps its cursor, and is retried next interval', async () => {
    let fail = false;
    const daemon = daemonFor({
      evaluate() {
        if (fail) throw new Error('source API answered 503');
        return { cursor: 'kept' };
      },
    });
    await daemon.evaluateDue();
    fail = true;
    clock.advance(30_000);
    const failed = committed(await daemon.evaluateDue()).evaluations[0];
    expect(failed).toMatchObject({ outcome: 'failed', cursorBefore: 'kept', cursorAfter: 'kept', runRequests: [] });
    expect(failed?.error).toMatch(/^source API answered 503\n\s*at .*sensor-evaluation\.test\.ts/);
    expect((await getSensorState(database.db, name))?.cursor).toBe('kept');
    fail = false;
    clock.advance(30_000);
    expect(committed(await daemon.evaluateDue()).evaluations[0]?.outcome).toBe('skipped');
  });

  it.each([
    ['not an object', 42, /expected an object .* got number 42/],
    ['runRequests not an array', { runRequests: 'gold/*' }, /runRequests: runRequests must be an array/],
    ['a request without selection', { runRequests: [{ runKey: 'a' }] }, /runRequests\[0\]\.selection: selection is required/],
    ['bad tags', { runRequests: [{ selection: 'bronze/raw', tags: { n: 1 } }] }, /runRequests\[0\]\.tags\.n: .*expected string/],
    ['a cursor that is not a string', { cursor: 7 }, /cursor: cursor must be a string/],
    ['a misspelt key', { runRequests: [{ selection: 'bronze/raw', runkey: 'a' }] }, /Unrecognized key: "runkey"/],
  ])('a malformed result (%s) is recorded failed with the reason, requests nothing and keeps the cursor', async (_what, result, reason) => {
    const daemon = daemonFor({ evaluate: () => result as SensorResult });
    const evaluation = committed(await daemon.evaluateDue()).evaluations[0];
    expect(evaluation).toMatchObject({ outcome: 'failed', runRequests: [], cursorAfter: null });
    expect(evaluation?.error).toMatch(/^malformed result: /);
    expect(evaluation?.error).toMatch(reason);
    expect(await runsOfSensor(database, name)).toEqual([]);
  });

  it('an unknown selection is an error naming the asset; no request of the evaluation makes a run', async () => {
    const daemon = daemonFor({
      evaluate: () => ({ runRequests: [{ selection: 'bronze/raw', runKey: 'ok' }, { selection: 'silver/no_such_asset', runKey: 'bad' }], cursor: 'moved' }),
    });
    const evaluation = committed(await daemon.evaluateDue()).evaluations[0];
    expect(evaluation?.outcome).toBe('failed');
    expect(evaluation?.error).toMatch(/run request 2 of 2 \(selection 'silver\/no_such_asset'\): .*silver\/no_such_asset/);
    expect(evaluation?.cursorAfter).toBeNull();
    expect(await runsOfSensor(database, name)).toEqual([]);
  });

  it('a sensor that exceeds the timeout is recorded failed, and its signal is aborted', async () => {
    const own = new ManualClock(START);
    let aborted = false;
    const daemon = daemonFor(
      {
        evaluate: (ctx) =>
          new Promise<SensorResult>((resolve) => {
            ctx.signal.addEventListener('abort', () => {
              aborted = true;
              resolve({ runRequests: [{ selection: 'bronze/raw' }] });
            });
          }),
      },
      'daemon-a',
      own,
    );
    const round = daemon.evaluateDue();
    const sleep = await own.nextSleep();
    expect(sleep.ms).toBe(harness.runtime.config.sensorTimeoutMs);
    own.advance(sleep.ms);
    const evaluation = committed(await round).evaluations[0];
    expect(evaluation).toMatchObject({ outcome: 'failed', runRequests: [] });
    expect(evaluation?.error).toMatch(/timed out after 60000 ms/);
    expect(aborted).toBe(true);
    expect(await runsOfSensor(database, name)).toEqual([]);
  });

  it('ctx.log lines are stored with the evaluation; ctx gives the last evaluation time and resources', async () => {
    const seen: Array<Date | undefined> = [];
    const daemon = daemonFor({
      evaluate(ctx) {
        seen.push(ctx.lastEvaluatedAt);
        ctx.log.info('looked at 3 files');
        ctx.log.warn('one is still growing');
        expect(ctx.resources).toBe(harness.runtime.resources);
        return { skipReason: 'nothing complete' };
      },
    });
    await daemon.evaluateDue();
    clock.advance(30_000);
    await daemon.evaluateDue();
    const [evaluation] = await evaluationsOf(database, name);
    expect(evaluation?.logs).toEqual([
      { at: START.toISOString(), level: 'info', message: 'looked at 3 files' },
      { at: START.toISOString(), level: 'warn', message: 'one is still growing' },
    ]);
    expect(seen).toEqual([undefined, START]);
  });

  it('a stopped sensor is not evaluated; defaultStatus stopped waits for the switch; the switch records who and when', async () => {
    let calls = 0;
    const daemon = daemonFor({ defaultStatus: 'stopped', evaluate: () => void (calls += 1) });
    expect(await daemon.evaluateDue()).toEqual([]);
    const state = await setSensorStatus(database.db, name, 'running', 'cli (tester)', START);
    expect(state).toMatchObject({ status: 'running', statusChangedBy: 'cli (tester)', statusChangedAt: START });
    expect(committed(await daemon.evaluateDue()).evaluations).toHaveLength(1);
    await setSensorStatus(database.db, name, 'stopped', 'api (token)', START);
    clock.advance(60_000);
    expect(await daemon.evaluateDue()).toEqual([]);
    expect(calls).toBe(1);
  });

  it('two daemons at once: one evaluation per interval, recorded once', async () => {
    let calls = 0;
    const sensor = defineSensor({ name, minimumIntervalSeconds: 30, evaluate: () => ({ skipReason: `call ${(calls += 1)}` }) });
    const daemons = ['daemon-a', 'daemon-b', 'daemon-c'].map((daemonId) =>
      createSensorDaemon(harness.runtime, { sensors: [sensor], daemonId, clock, onLoopResult: async () => {} }),
    );
    for (let interval = 0; interval < 3; interval++) {
      const results = (await Promise.all(daemons.map((daemon) => daemon.evaluateDue()))).flat();
      expect(results.filter((result) => result.status === 'committed')).toHaveLength(1);
      clock.advance(30_000);
    }
    expect(calls).toBe(3);
    expect(await evaluationsOf(database, name)).toHaveLength(3);
  });

  it('runForKey reports the run of a key, following retries to the latest attempt', async () => {
    let found: unknown = 'not called';
    const daemon = daemonFor({
      async evaluate(ctx) {
        if (ctx.cursor === undefined) return { runRequests: [{ selection: 'bronze/raw', partitionKey: '2026-11-23T00:00Z', runKey: 'k' }], cursor: 'asked' };
        found = { missing: await ctx.runForKey('other'), run: await ctx.runForKey('k') };
        return undefined;
      },
    });
    await daemon.evaluateDue();
    const [run] = await runsOfSensor(database, name);
    const { queueRetry } = await import('../../../src/daemon/retry-run.js');
    const { getRun, setRunStatus } = await import('../../../src/storage/index.js');
    await setRunStatus(database.db, run!.id, 'STARTING', { workerId: 'w', at: START });
    await setRunStatus(database.db, run!.id, 'FAILURE', { at: START, error: 'worker w stopped heartbeating' });
    clock.advance(30_000);
    await daemon.evaluateDue();
    // Failed by the monitor, its retry not queued yet: not the end of the work.
    expect(found).toMatchObject({ run: { id: run!.id, status: 'FAILURE', retryPending: true } });
    const retry = await queueRetry(harness.runtime, (await getRun(database.db, run!.id))!);
    clock.advance(30_000);
    await daemon.evaluateDue();
    expect(found).toEqual({
      missing: undefined,
      run: expect.objectContaining({ id: retry.id, runKey: 'k', status: 'QUEUED', error: null, retryPending: false, tags: expect.objectContaining({ sensor: name }) }),
    });
  });
});
