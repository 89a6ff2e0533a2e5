import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/manual-clock.js';
import { defineSchedule } from '../../src/core/schedule.js';
import type { TickOutcome } from '../../src/daemon/evaluate-schedule.js';
import { createScheduler, isEvaluationError, type ScheduleRoundResult } from '../../src/daemon/scheduler.js';
import { countTicks, openDatabase, type StrataDatabase } from '../../src/storage/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { openScheduleRuntime, scheduledRuns, storedTicks, type ScheduleTestRuntime } from './schedule-harness.js';

const START = new Date('2026-11-23T06:00:00.000Z');

function ticksOf(results: readonly ScheduleRoundResult[]): TickOutcome[] {
  return results.flatMap((result) => {
    if (isEvaluationError(result)) throw new Error(result.error);
    return [...result.ticks];
  });
}

describeEachBackend('two daemons, one schedule', (backend) => {
  let database: TestDatabase;
  let second: StrataDatabase;
  let daemons: ScheduleTestRuntime[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(`schedule_concurrency_${backend}`, { backend });
    // Postgres: a second pool on the same database, as a second daemon process has. PGlite has one connection.
    second = database.url === undefined ? database : await openDatabase({ databaseUrl: database.url, dataDir: '.' });
  });
  afterAll(async () => {
    for (const daemon of daemons) await daemon.stop();
    if (second !== database) await second?.close();
    await database?.destroy();
  });

  it('100 ticks of an every-second schedule evaluated by two daemons at once: exactly 100 runs, each tick once', async () => {
    const schedule = defineSchedule({ name: 'every_second', cron: '* * * * * *', selection: 'bronze/raw+', catchUp: 'all', maxCatchup: 100 });
    const clocks = [new ManualClock(START), new ManualClock(START)];
    daemons = [await openScheduleRuntime(database, clocks[0] as ManualClock), await openScheduleRuntime(second, clocks[1] as ManualClock)];
    const [a, b] = daemons.map((daemon, index) => createScheduler(daemon.runtime, { schedules: [schedule], clock: clocks[index] as ManualClock }));
    if (a === undefined || b === undefined) throw new Error('two schedulers expected');
    // First start stores the cursor (START); the daemons then "wake" 100 s later, together, three times each.
    await a.evaluateDue();
    for (const clock of clocks) clock.set(new Date(START.getTime() + 100_000));
    const rounds = await Promise.all([a, b, a, b, a, b].map((scheduler) => scheduler.evaluateDue()));

    const claimed = rounds.flatMap(ticksOf).filter((tick) => tick.claimed);
    expect(claimed).toHaveLength(100);
    expect(new Set(claimed.map((tick) => tick.tickAt.toISOString())).size).toBe(100);
    const runs = await scheduledRuns(database, 'every_second');
    expect(runs).toHaveLength(100);
    expect(new Set(runs.map((run) => run.runKey)).size).toBe(100);
    expect(runs[0]?.runKey).toBe('schedule:every_second:2026-11-23T06:00:01.000Z');
    expect(runs.at(-1)?.runKey).toBe('schedule:every_second:2026-11-23T06:01:40.000Z');
    const ticks = await storedTicks(database, 'every_second');
    expect(ticks).toHaveLength(100);
    expect(new Set(ticks.map((tick) => tick.runId)).size).toBe(100);
    expect(await countTicks(database.db, 'every_second')).toEqual({ SUCCESS: 100, SKIPPED: 0, FAILURE: 0 });
  });
});
