import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ManualClock } from '../../src/core/manual-clock.js';
import { defineSchedule, type ScheduleSpec } from '../../src/core/schedule.js';
import { isEvaluationError, createScheduler, type ScheduleRoundResult } from '../../src/daemon/scheduler.js';
import type { ScheduleEvaluation } from '../../src/daemon/evaluate-schedule.js';
import { configuredSchedules } from '../helpers/shipped-definitions.js';
import { pipelineGraph } from '../helpers/shipped-definitions.js';
import { getScheduleState, listProcesses, registerProcess, setScheduleEnabled } from '../../src/storage/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { openScheduleRuntime, scheduledRuns, storedTicks, type ScheduleTestRuntime } from './schedule-harness.js';

const START = new Date('2026-11-23T00:00:00.000Z');
const HOUR = 3_600_000;

function evaluation(results: readonly ScheduleRoundResult[], name: string): ScheduleEvaluation {
  const result = results.find((candidate) => candidate.scheduleName === name);
  if (result === undefined || isEvaluationError(result)) throw new Error(`no evaluation of ${name}: ${JSON.stringify(result)}`);
  return result;
}

describeEachBackend('scheduler', (backend) => {
  let database: TestDatabase;
  let harness: ScheduleTestRuntime;
  let clock: ManualClock;
  let counter = 0;
  /** A fresh schedule name per test: every test shares the database, never a schedule. */
  let name: string;

  beforeAll(async () => {
    database = await createTestDatabase(`scheduler_${backend}`, { backend });
    clock = new ManualClock(START);
    harness = await openScheduleRuntime(database, clock);
  });
  afterAll(async () => {
    await harness?.stop();
    await database?.destroy();
  });
  beforeEach(() => {
    counter += 1;
    name = `hourly_${counter}`;
    clock.set(START);
  });

  function hourly(spec: Partial<ScheduleSpec> = {}) {
    return defineSchedule({ name, cron: '0 * * * *', selection: 'bronze/raw+', ...spec });
  }

  it('first start sets the cursor to now: no backlog', async () => {
    const scheduler = createScheduler(harness.runtime, { schedules: [hourly()], clock });
    const first = evaluation(await scheduler.evaluateDue(), name);
    expect(first).toMatchObject({ cursorBefore: null, cursorAfter: START, advanced: true, ticks: [] });
    expect((await getScheduleState(database.db, name))?.cursor).toEqual(START);
    expect(await storedTicks(database, name)).toEqual([]);
  });

  it('a due tick queues one run for the partition of its tick, with run key, trigger and tags, and reports its lag', async () => {
    const scheduler = createScheduler(harness.runtime, { schedules: [hourly({ cron: '0 */6 * * *' })], clock });
    await scheduler.evaluateDue();
    clock.set(new Date('2026-11-23T06:00:00.250Z'));
    const result = evaluation(await scheduler.evaluateDue(), name);
    expect(result.ticks).toHaveLength(1);
    expect(result.ticks[0]).toMatchObject({ tickAt: new Date('2026-11-23T06:00:00Z'), status: 'SUCCESS', claimed: true, lagMs: 250, reason: null, error: null });
    expect(result.cursorAfter).toEqual(new Date('2026-11-23T06:00:00Z'));
    expect(await scheduledRuns(database, name)).toEqual([
      {
        runKey: `schedule:${name}:2026-11-23T06:00:00.000Z`,
        partitionKey: '2026-11-23T06:00Z',
        selection: 'bronze/raw+',
        trigger: 'schedule',
        tags: { schedule: name, tick: '2026-11-23T06:00:00.000Z' },
      },
    ]);
    expect(await storedTicks(database, name)).toEqual([
      { scheduleName: name, tickAt: '2026-11-23T06:00:00Z', status: 'SUCCESS', runId: result.ticks[0]?.runId, reason: null },
    ]);
    // Evaluating again at the same time finds nothing new.
    expect(evaluation(await scheduler.evaluateDue(), name).ticks).toEqual([]);
  });

  describe('daemon down across 3 ticks, then up', () => {
    it("catchUp 'latest' runs 1 (the newest) and stores the 2 older SKIPPED with the reason", async () => {
      const scheduler = createScheduler(harness.runtime, { schedules: [hourly({ catchUp: 'latest' })], clock });
      await scheduler.evaluateDue();
      clock.set(new Date(START.getTime() + 3 * HOUR + 10_000));
      const result = evaluation(await scheduler.evaluateDue(), name);
      expect(result.ticks.map((tick) => tick.status)).toEqual(['SKIPPED', 'SKIPPED', 'SUCCESS']);
      const reason = "catch-up policy 'latest': only the latest missed tick runs (2026-11-23T03:00:00.000Z)";
      expect(await storedTicks(database, name)).toEqual([
        { scheduleName: name, tickAt: '2026-11-23T01:00:00Z', status: 'SKIPPED', runId: null, reason },
        { scheduleName: name, tickAt: '2026-11-23T02:00:00Z', status: 'SKIPPED', runId: null, reason },
        { scheduleName: name, tickAt: '2026-11-23T03:00:00Z', status: 'SUCCESS', runId: result.ticks[2]?.runId, reason: null },
      ]);
      expect((await scheduledRuns(database, name)).map((run) => run.partitionKey)).toEqual(['2026-11-23T00:00Z']);
    });

    it("catchUp 'all' runs all 3", async () => {
      const scheduler = createScheduler(harness.runtime, { schedules: [hourly({ catchUp: 'all' })], clock });
      await scheduler.evaluateDue();
      clock.set(new Date(START.getTime() + 3 * HOUR + 10_000));
      const result = evaluation(await scheduler.evaluateDue(), name);
      expect(result.ticks.map((tick) => [tick.tickAt.toISOString(), tick.status, tick.lagMs])).toEqual([
        ['2026-11-23T01:00:00.000Z', 'SUCCESS', 2 * HOUR + 10_000],
        ['2026-11-23T02:00:00.000Z', 'SUCCESS', HOUR + 10_000],
        ['2026-11-23T03:00:00.000Z', 'SUCCESS', 10_000],
      ]);
      expect(await scheduledRuns(database, name)).toHaveLength(3);
    });

    it("catchUp 'all' runs at most maxCatchup, the most recent; older ones SKIPPED", async () => {
      const scheduler = createScheduler(harness.runtime, { schedules: [hourly({ catchUp: 'all', maxCatchup: 2 })], clock });
      await scheduler.evaluateDue();
      clock.set(new Date(START.getTime() + 4 * HOUR));
      await scheduler.evaluateDue();
      expect((await storedTicks(database, name)).map((tick) => [tick.tickAt.slice(11, 13), tick.status, tick.reason])).toEqual([
        ['01', 'SKIPPED', "catch-up policy 'all': only the 2 most recent missed ticks run"],
        ['02', 'SKIPPED', "catch-up policy 'all': only the 2 most recent missed ticks run"],
        ['03', 'SUCCESS', null],
        ['04', 'SUCCESS', null],
      ]);
    });
  });

  it('an outage longer than the stored window stores the newest ticks and counts the rest in a reason', async () => {
    const scheduler = createScheduler(harness.runtime, { schedules: [hourly({ cron: '* * * * * *' })], clock });
    await scheduler.evaluateDue();
    clock.set(new Date(START.getTime() + 1000 * 1000));
    const result = evaluation(await scheduler.evaluateDue(), name);
    expect(result.notStored).toBe(1000 - 101);
    const ticks = await storedTicks(database, name);
    expect(ticks).toHaveLength(101);
    expect(ticks[0]?.reason).toContain(`; 899 older missed ticks since ${START.toISOString()} were not stored one by one`);
    expect(ticks.at(-1)).toMatchObject({ tickAt: '2026-11-23T00:16:40Z', status: 'SUCCESS' });
    expect(await scheduledRuns(database, name)).toHaveLength(1);
  });

  it("a schedule switched off stores its ticks SKIPPED ('schedule is off') and moves on; switched on, it runs again", async () => {
    const scheduler = createScheduler(harness.runtime, { schedules: [hourly({ catchUp: 'all' })], clock });
    await scheduler.evaluateDue();
    expect(await setScheduleEnabled(database.db, name, false)).toMatchObject({ name, enabled: false, cursor: START });
    clock.set(new Date(START.getTime() + 2 * HOUR));
    const off = evaluation(await scheduler.evaluateDue(), name);
    expect(off).toMatchObject({ enabled: false, cursorAfter: new Date(START.getTime() + 2 * HOUR) });
    expect(off.ticks.map((tick) => [tick.status, tick.reason])).toEqual([
      ['SKIPPED', 'schedule is off'],
      ['SKIPPED', 'schedule is off'],
    ]);
    await setScheduleEnabled(database.db, name, true);
    clock.set(new Date(START.getTime() + 3 * HOUR));
    expect(evaluation(await scheduler.evaluateDue(), name).ticks.map((tick) => tick.status)).toEqual(['SUCCESS']);
    expect(await scheduledRuns(database, name)).toHaveLength(1);
  });

  it('a restart (a new scheduler on the same database) continues from the cursor without doubling a tick', async () => {
    const schedule = hourly({ catchUp: 'all' });
    await createScheduler(harness.runtime, { schedules: [schedule], clock }).evaluateDue();
    clock.set(new Date(START.getTime() + HOUR));
    await createScheduler(harness.runtime, { schedules: [schedule], clock }).evaluateDue();
    const restarted = createScheduler(harness.runtime, { schedules: [schedule], clock });
    // Same time again: nothing is due twice.
    expect(evaluation(await restarted.evaluateDue(), name).ticks).toEqual([]);
    clock.set(new Date(START.getTime() + 3 * HOUR));
    expect(evaluation(await restarted.evaluateDue(), name).ticks.map((tick) => tick.tickAt.getUTCHours())).toEqual([2, 3]);
    expect((await storedTicks(database, name)).map((tick) => tick.tickAt.slice(11, 13))).toEqual(['01', '02', '03']);
    expect(await scheduledRuns(database, name)).toHaveLength(3);
  });

  it('a tick whose cursor move was lost (crash after storing) is not doubled: the stored tick and run are reused', async () => {
    const schedule = hourly();
    const scheduler = createScheduler(harness.runtime, { schedules: [schedule], clock });
    await scheduler.evaluateDue();
    clock.set(new Date(START.getTime() + HOUR));
    const first = evaluation(await scheduler.evaluateDue(), name);
    // As if the process died before the cursor moved.
    await database.db.withTables<{ 'strata.schedule_state': { name: string; cursor: Date } }>()
      .updateTable('strata.schedule_state').set({ cursor: START }).where('name', '=', name).execute();
    const again = evaluation(await scheduler.evaluateDue(), name);
    expect(again.ticks).toMatchObject([{ status: 'SUCCESS', claimed: false, runId: first.ticks[0]?.runId }]);
    expect(await storedTicks(database, name)).toHaveLength(1);
    expect(await scheduledRuns(database, name)).toHaveLength(1);
  });

  it('errors in one schedule never stop the others: a bad selection or a throwing partitionFor is a FAILURE tick, the next schedule still runs', async () => {
    const bad = defineSchedule({ name: `${name}_bad_selection`, cron: '0 * * * *', selection: 'gold/missing' });
    const throwing = defineSchedule({
      name: `${name}_throws`,
      cron: '0 * * * *',
      selection: 'bronze/raw',
      partitionFor: () => {
        throw new Error('no partition today');
      },
    });
    const good = hourly();
    const results: unknown[] = [];
    const scheduler = createScheduler(harness.runtime, { schedules: [bad, throwing, good], clock, onLoopResult: (error) => void results.push(error) });
    await scheduler.evaluateDue();
    clock.set(new Date(START.getTime() + HOUR));
    const round = await scheduler.evaluateDue();
    expect(evaluation(round, bad.name).ticks).toMatchObject([{ status: 'FAILURE', error: expect.stringContaining("selection term 'gold/missing' matches no asset") }]);
    expect(evaluation(round, throwing.name).ticks).toMatchObject([
      { status: 'FAILURE', error: `schedule '${throwing.name}': partitionFor(2026-11-23T01:00:00.000Z) threw: no partition today` },
    ]);
    expect(evaluation(round, name).ticks).toMatchObject([{ status: 'SUCCESS' }]);
    expect((await storedTicks(database, bad.name))[0]).toMatchObject({ status: 'FAILURE', runId: null });
    // Tick failures are outcomes, not loop errors: the loop itself was healthy.
    expect(results).toEqual([undefined, undefined]);
  });

  it('an evaluation that throws (a database error) is logged and reported to onLoopResult, and the other schedules still run', async () => {
    // A name too long for a btree index row (random, so compression cannot shrink it): every write of its state fails.
    const tooLong = `x${randomBytes(4000).toString('hex')}`;
    const broken = defineSchedule({ name: tooLong, cron: '0 * * * *', selection: 'bronze/raw' });
    const errors: unknown[] = [];
    const scheduler = createScheduler(harness.runtime, { schedules: [broken, hourly()], clock, onLoopResult: (error) => void errors.push(error) });
    await scheduler.evaluateDue();
    clock.set(new Date(START.getTime() + HOUR));
    const round = await scheduler.evaluateDue();
    expect(round[0]).toMatchObject({ scheduleName: tooLong, error: expect.any(String) });
    expect(evaluation(round, name).ticks).toMatchObject([{ status: 'SUCCESS' }]);
    expect(errors).toHaveLength(2);
    expect(errors[1]).toBeInstanceOf(Error);
    expect(String((errors[1] as Error).message)).toMatch(/^schedule 'x[0-9a-f]+': /);
  });

  it("with a processId, each round's result is recorded in strata.processes as loop 'scheduler'", async () => {
    const processId = `daemon-${name}`;
    await registerProcess(database.db, { id: processId, kind: 'daemon', hostname: 'test', pid: 1, at: START });
    const broken = defineSchedule({ name: `x${randomBytes(4000).toString('hex')}`, cron: '0 * * * *', selection: 'bronze/raw' });
    await createScheduler(harness.runtime, { schedules: [hourly()], clock, processId }).evaluateDue();
    let loop = (await listProcesses(database.db)).find((process) => process.id === processId)?.loops['scheduler'];
    expect(loop).toMatchObject({ last_run_at: START.toISOString(), last_error: null, error_count: 0 });
    await createScheduler(harness.runtime, { schedules: [broken], clock, processId }).evaluateDue();
    loop = (await listProcesses(database.db)).find((process) => process.id === processId)?.loops['scheduler'];
    expect(loop).toMatchObject({ last_error: expect.stringMatching(/^schedule 'x[0-9a-f]+': /), error_count: 1 });
  });
});

describe('shipped schedules', () => {
  it('every_6_hours selects every six-hourly asset and runs the window that starts at the tick; daily runs the daily marts for the previous UTC day', () => {
    const config = loadConfig({});
    const [sixHourly, daily] = configuredSchedules(config);
    const graph = pipelineGraph(config);
    const keysOf = (kind: string) => graph.nodes.filter((node) => node.partitions === kind).map((node) => node.key).sort();
    expect(sixHourly).toMatchObject({ name: 'every_6_hours', cron: '0 */6 * * *', timezone: 'UTC', catchUp: 'latest' });
    expect(sixHourly?.selection.split(',').sort()).toEqual(keysOf('six_hourly'));
    expect(sixHourly?.partitionFor(new Date('2026-11-23T06:00:00Z'))).toBe('2026-11-23T06:00Z');
    expect(daily).toMatchObject({ name: 'daily', cron: '15 0 * * *', timezone: 'UTC' });
    expect(daily?.selection.split(',').sort()).toEqual(keysOf('daily'));
    expect(keysOf('daily')).toEqual(expect.arrayContaining(['gold/daily_coin_summary', 'gold/market_daily']));
    expect(daily?.partitionFor(new Date('2026-11-24T00:15:00Z'))).toBe('2026-11-23');
    // Overridden to Berlin, 00:15 local is 23:15Z the day before: the last UTC day that has ended.
    expect(daily?.partitionFor(new Date('2026-11-23T23:15:00Z'))).toBe('2026-11-22');
  });

  it('operator overrides change cron and timezone; an override naming no schedule is a clear error', () => {
    const [sixHourly, daily] = configuredSchedules(
      loadConfig({ STRATA_SCHEDULE_EVERY_6_HOURS_CRON: '0 0 */3 * * *', STRATA_SCHEDULE_DAILY_TZ: 'Europe/Berlin' }),
    );
    expect(sixHourly).toMatchObject({ cron: '0 0 */3 * * *', timezone: 'UTC', overridden: { cron: '0 0 */3 * * *' } });
    expect(sixHourly?.times.nextAfter(new Date('2026-11-23T00:00:00Z'))).toEqual(new Date('2026-11-23T03:00:00Z'));
    expect(daily).toMatchObject({ cron: '15 0 * * *', timezone: 'Europe/Berlin' });
    expect(daily?.times.nextAfter(new Date('2026-11-23T00:00:00Z'))).toEqual(new Date('2026-11-23T23:15:00Z'));
    expect(() => configuredSchedules(loadConfig({ STRATA_SCHEDULE_HOURLY_CRON: '0 * * * *' }))).toThrow(
      "schedule override for unknown schedule 'hourly' (STRATA_SCHEDULE_HOURLY_CRON/_TZ/_MAX_RETRIES); known schedules: every_6_hours, daily",
    );
    expect(() => configuredSchedules(loadConfig({ STRATA_SCHEDULE_DAILY_CRON: '15 0 * *' }))).toThrow(/^schedule 'daily': invalid cron '15 0 \* \*'/);
  });
});
