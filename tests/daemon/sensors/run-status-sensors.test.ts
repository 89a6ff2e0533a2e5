/**
 * Run-status sensors, with a ManualClock, on PGlite and Postgres: each ended run in a watched
 * outcome is handed over once with its failed steps and checks; retried failures wait for
 * their last attempt; a run that commits late (ended_at before the watermark) is still found;
 * a failing handler is offered again, then given up; monitoredSelection filters.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/manual-clock.js';
import { defineRunStatusSensor, type RunStatusSensorContext, type RunStatusSensorSpec } from '../../../src/core/run-status-sensor.js';
import { createSensorDaemon } from '../../../src/daemon/sensors/sensor-daemon.js';
import { getRun } from '../../../src/storage/index.js';
import { describeEachBackend } from '../../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-database.js';
import { openScheduleRuntime, type ScheduleTestRuntime } from '../schedule-harness.js';
import { endedRun, evaluationsOf, runsOfSensor } from './sensor-harness.js';

const START = new Date('2026-11-23T01:00:00.000Z');
const later = (ms: number) => new Date(START.getTime() + ms);

describeEachBackend('run-status sensors', (backend) => {
  let database: TestDatabase;
  let harness: ScheduleTestRuntime;
  let clock: ManualClock;
  let counter = 0;
  let name: string;
  let handled: RunStatusSensorContext[];

  beforeAll(async () => {
    database = await createTestDatabase(`run_status_${backend}`, { backend });
    clock = new ManualClock(START);
    harness = await openScheduleRuntime(database, clock);
  });
  afterAll(async () => {
    await harness?.stop();
    await database?.destroy();
  });
  beforeEach(() => {
    counter += 1;
    name = `on_runs_${counter}`;
    handled = [];
    // Each test starts an hour after the last: runs of earlier tests are outside every window.
    clock.set(later(counter * 3_600_000));
  });

  function daemonFor(spec: Partial<RunStatusSensorSpec> & Pick<RunStatusSensorSpec, 'on'>, daemonId = 'daemon-a') {
    const sensor = defineRunStatusSensor({
      name,
      minimumIntervalSeconds: 30,
      handle: (ctx) => {
        handled.push(ctx);
        return undefined;
      },
      ...spec,
    });
    return createSensorDaemon(harness.runtime, { sensors: [sensor], daemonId, clock, onLoopResult: async () => {} });
  }

  it('hands each failed run over once, with its failed steps and checks, across daemons', async () => {
    const daemons = [daemonFor({ on: ['failure'] }, 'a'), daemonFor({ on: ['failure'] }, 'b')];
    // The first look creates the sensor: runs ending from then on are watched.
    await daemons[0]!.evaluateDue();
    const now = clock.now();
    const failed = await endedRun(database, 'FAILURE', {
      at: now,
      selection: 'bronze/raw,silver/clean',
      failedStep: { assetKey: 'silver/clean', message: 'division by zero' },
      failedCheck: { assetKey: 'bronze/raw', check: 'fresh', severity: 'warn' },
    });
    await endedRun(database, 'SUCCESS', { at: now });
    for (let round = 0; round < 3; round++) await Promise.all(daemons.map((daemon) => daemon.evaluateDue({ woken: true })));
    expect(handled).toHaveLength(1);
    const [ctx] = handled;
    expect(ctx).toMatchObject({
      sensorName: name,
      outcome: 'failure',
      run: { id: failed.id, status: 'FAILURE', selection: 'bronze/raw,silver/clean', error: 'a step failed', endedAt: now },
      failedSteps: [{ assetKey: 'silver/clean', partition: '2026-11-23T00:00Z', error: 'division by zero' }],
      failedChecks: [{ assetKey: 'bronze/raw', checkName: 'fresh', blocking: false, message: 'fresh failed' }],
    });
    const evaluations = await evaluationsOf(database, name);
    expect(evaluations).toHaveLength(1);
    expect(evaluations[0]).toMatchObject({ endedRunId: failed.id, outcome: 'skipped', skipReason: 'no run requests' });
  });

  it('a failure the monitor will retry is not final: only the last attempt is handed over', async () => {
    const daemon = daemonFor({ on: ['failure'] });
    await daemon.evaluateDue();
    const lost = 'worker w1 stopped heartbeating (last heartbeat never, timeout 30 s)';
    const first = await endedRun(database, 'FAILURE', { at: clock.now(), maxRetries: 1, message: lost });
    await daemon.evaluateDue({ woken: true });
    expect(handled).toEqual([]);
    const retry = await endedRun(database, 'FAILURE', { at: clock.now(), parent: (await getRun(database.db, first.id))!, message: lost, runKey: `retry:${first.id}` });
    await daemon.evaluateDue({ woken: true });
    expect(handled.map((ctx) => [ctx.run.id, ctx.run.attempt])).toEqual([[retry.id, 2]]);
  });

  it('blocking_check_failed: a failed error-severity check; such a run is that outcome rather than failure', async () => {
    const daemon = daemonFor({ on: ['blocking_check_failed', 'failure'] });
    await daemon.evaluateDue();
    const blocked = await endedRun(database, 'FAILURE', { at: clock.now(), failedCheck: { assetKey: 'bronze/raw', check: 'not_empty', severity: 'error' } });
    const plain = await endedRun(database, 'FAILURE', { at: clock.now(), failedStep: { assetKey: 'bronze/raw', message: 'boom' } });
    await daemon.evaluateDue({ woken: true });
    expect(handled.map((ctx) => [ctx.run.id, ctx.outcome])).toEqual(expect.arrayContaining([[blocked.id, 'blocking_check_failed'], [plain.id, 'failure']]));
    expect(handled).toHaveLength(2);
    expect(handled.find((ctx) => ctx.run.id === blocked.id)?.failedChecks).toEqual([expect.objectContaining({ checkName: 'not_empty', blocking: true })]);
  });

  it('only blocking_check_failed watched: a plain failure is not handed over', async () => {
    const daemon = daemonFor({ on: ['blocking_check_failed'] });
    await daemon.evaluateDue();
    await endedRun(database, 'FAILURE', { at: clock.now(), failedStep: { assetKey: 'bronze/raw', message: 'boom' } });
    const blocked = await endedRun(database, 'FAILURE', { at: clock.now(), failedCheck: { assetKey: 'bronze/raw', check: 'not_empty', severity: 'error' } });
    await daemon.evaluateDue({ woken: true });
    expect(handled.map((ctx) => ctx.run.id)).toEqual([blocked.id]);
  });

  it('success and canceled; monitoredSelection keeps runs of other assets out', async () => {
    const daemon = daemonFor({ on: ['success', 'canceled'], monitoredSelection: 'silver/clean' });
    await daemon.evaluateDue();
    const ok = await endedRun(database, 'SUCCESS', { at: clock.now(), selection: 'bronze/raw,silver/clean' });
    const canceled = await endedRun(database, 'CANCELED', { at: clock.now(), selection: 'silver/clean' });
    await endedRun(database, 'SUCCESS', { at: clock.now(), selection: 'bronze/raw' });
    await daemon.evaluateDue({ woken: true });
    // Runs that ended at the same moment come in id order.
    expect(handled.map((ctx) => [ctx.run.id, ctx.outcome]).sort()).toEqual(
      [
        [ok.id, 'success'],
        [canceled.id, 'canceled'],
      ].sort(),
    );
  });

  it('a run that commits after later ones were handled (its ended_at behind the watermark) is still handed over, once', async () => {
    const daemon = daemonFor({ on: ['failure'] });
    await daemon.evaluateDue();
    const base = clock.now();
    const early = new Date(base.getTime() + 1_000);
    const late = await endedRun(database, 'FAILURE', { at: new Date(base.getTime() + 5_000) });
    await daemon.evaluateDue({ woken: true });
    expect(handled.map((ctx) => ctx.run.id)).toEqual([late.id]);
    // Ended earlier by its worker's clock, committed only now.
    const straggler = await endedRun(database, 'FAILURE', { at: early });
    clock.advance(60_000);
    await daemon.evaluateDue();
    expect(handled.map((ctx) => ctx.run.id)).toEqual([late.id, straggler.id]);
    clock.advance(60_000);
    await daemon.evaluateDue();
    expect(handled).toHaveLength(2);
  });

  it('a handler that throws is recorded and offered again, then given up after three attempts; one that requests a run queues it', async () => {
    let attempts = 0;
    const daemon = daemonFor({
      on: ['failure'],
      handle(ctx) {
        if (ctx.run.tags['kind'] === 'flaky') {
          attempts += 1;
          throw new Error('pager unreachable');
        }
        return { runRequests: [{ selection: 'bronze/raw', partitionKey: '2026-11-23T00:00Z', runKey: `cleanup-${ctx.run.id}` }] };
      },
    });
    await daemon.evaluateDue();
    await endedRun(database, 'FAILURE', { at: clock.now(), tags: { kind: 'flaky' } });
    const other = await endedRun(database, 'FAILURE', { at: clock.now() });
    for (let i = 0; i < 4; i++) {
      await daemon.evaluateDue();
      clock.advance(30_000);
    }
    expect(attempts).toBe(3);
    const evaluations = await evaluationsOf(database, name);
    const errors = evaluations.filter((evaluation) => evaluation.outcome === 'failed').map((evaluation) => evaluation.error?.split('\n')[0]);
    expect(errors).toEqual([
      'pager unreachable (attempt 1 of 3; offered again at the next evaluation)',
      'pager unreachable (attempt 2 of 3; offered again at the next evaluation)',
      'pager unreachable (attempt 3 of 3; given up)',
    ]);
    const requested = evaluations.find((evaluation) => evaluation.endedRunId === other.id);
    expect(requested?.outcome).toBe('requested');
    expect(await runsOfSensor(database, name)).toEqual([expect.objectContaining({ runKey: `sensor:${name}:cleanup-${other.id}`, trigger: 'sensor' })]);
  });

  it('a run ending wakes the started loop at once (the run event bus), long before its interval', async () => {
    const sensor = defineRunStatusSensor({ name, on: ['success'], minimumIntervalSeconds: 3_600, handle: (ctx) => void handled.push(ctx) });
    const daemon = createSensorDaemon(harness.runtime, { sensors: [sensor], daemonId: 'live', pollIntervalMs: 3_600_000, onLoopResult: async () => {} });
    await daemon.evaluateDue();
    await daemon.start();
    try {
      const run = await endedRun(database, 'SUCCESS', { at: clock.now() });
      const evaluated = new Promise<void>((resolve) => {
        const poll = (): void => {
          if (handled.length > 0) resolve();
          else setImmediate(poll);
        };
        poll();
      });
      harness.runtime.events.publish({ type: 'run:succeeded', runId: run.id, at: clock.now(), durationMs: 1 });
      await evaluated;
      expect(handled.map((ctx) => ctx.run.id)).toEqual([run.id]);
    } finally {
      await daemon.stop();
    }
  });
});
