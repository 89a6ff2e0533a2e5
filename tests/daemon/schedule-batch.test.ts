/**
 * Many schedules due at the same second: evaluated in one round whose statements do not grow
 * with the number of schedules, every tick queued once even when two daemons evaluate them all
 * at the same time.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/manual-clock.js';
import { defineSchedule, type ScheduleDefinition } from '../../src/core/schedule.js';
import type { TickOutcome } from '../../src/daemon/evaluate-schedule.js';
import { createScheduler, isEvaluationError, type ScheduleRoundResult } from '../../src/daemon/scheduler.js';
import { openDatabase, type StrataDatabase } from '../../src/storage/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { openScheduleRuntime, type ScheduleTestRuntime } from './schedule-harness.js';

const START = new Date('2026-11-23T06:00:00.000Z');
const SCHEDULES = 300;

function ticksOf(results: readonly ScheduleRoundResult[]): TickOutcome[] {
  return results.flatMap((result) => {
    if (isEvaluationError(result)) throw new Error(result.error);
    return [...result.ticks];
  });
}

function everyMinute(prefix: string, count: number): ScheduleDefinition[] {
  const selections = ['bronze/raw', 'silver/clean', 'bronze/raw+'];
  return Array.from({ length: count }, (_, i) => defineSchedule({ name: `${prefix}_${String(i).padStart(4, '0')}`, cron: '0 * * * * *', selection: selections[i % 3] as string }));
}

describeEachBackend('many schedules due at the same second', (backend) => {
  let database: TestDatabase;
  let second: StrataDatabase;
  const daemons: ScheduleTestRuntime[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(`schedule_batch_${backend}`, { backend });
    // Postgres: a second pool, as a second daemon process has. PGlite has one connection.
    second = database.url === undefined ? database : await openDatabase({ databaseUrl: database.url, dataDir: '.' });
  });
  afterAll(async () => {
    for (const daemon of daemons) await daemon.stop();
    if (second !== database) await second?.close();
    await database?.destroy();
  });

  it(`${SCHEDULES} schedules evaluated by two daemons at once: every tick queued exactly once`, async () => {
    const schedules = everyMinute('together', SCHEDULES);
    const clocks = [new ManualClock(START), new ManualClock(START)];
    daemons.push(await openScheduleRuntime(database, clocks[0] as ManualClock), await openScheduleRuntime(second, clocks[1] as ManualClock));
    const [a, b] = daemons.slice(-2).map((daemon, index) => createScheduler(daemon.runtime, { schedules, clock: clocks[index] as ManualClock }));
    if (a === undefined || b === undefined) throw new Error('two schedulers expected');
    await a.evaluateDue();
    for (const clock of clocks) clock.set(new Date(START.getTime() + 60_000));
    const rounds = await Promise.all([a.evaluateDue(), b.evaluateDue()]);

    const claimed = rounds.flatMap(ticksOf).filter((tick) => tick.claimed);
    expect(claimed).toHaveLength(SCHEDULES);
    expect(new Set(claimed.map((tick) => tick.scheduleName)).size).toBe(SCHEDULES);
    // Each daemon reports every schedule's tick with the same run, whoever claimed it.
    for (const round of rounds) expect(ticksOf(round).map((tick) => tick.runId).sort()).toEqual(claimed.map((tick) => tick.runId).sort());
    const { rows } = await sql<{ ticks: number; runs: number; with_run: number; cursors: number }>`
      SELECT (SELECT count(*)::int FROM strata.ticks WHERE schedule_name LIKE 'together_%') AS ticks,
             (SELECT count(*)::int FROM strata.runs WHERE run_key LIKE 'schedule:together_%') AS runs,
             (SELECT count(DISTINCT run_id)::int FROM strata.ticks WHERE schedule_name LIKE 'together_%') AS with_run,
             (SELECT count(*)::int FROM strata.schedule_state WHERE name LIKE 'together_%' AND cursor = ${new Date(START.getTime() + 60_000)}) AS cursors`.execute(database.db);
    expect(rows[0]).toEqual({ ticks: SCHEDULES, runs: SCHEDULES, with_run: SCHEDULES, cursors: SCHEDULES });
  });

  it('a round costs the same statements for 10 schedules as for 300', async () => {
    const statements = async (count: number): Promise<number> => {
      const clock = new ManualClock(START);
      const daemon = await openScheduleRuntime(database, clock);
      daemons.push(daemon);
      let queries = 0;
      // Counts every statement the scheduler's database runs, at kysely's driver.
      const counted = { ...daemon.runtime, database: { ...daemon.runtime.database, db: daemon.runtime.database.db.withPlugin({ transformQuery: (args) => ((queries += 1), args.node), transformResult: async (args) => args.result }) } };
      const scheduler = createScheduler(counted, { schedules: everyMinute(`counted_${count}`, count), clock });
      await scheduler.evaluateDue();
      clock.set(new Date(START.getTime() + 60_000));
      queries = 0;
      const results = await scheduler.evaluateDue();
      expect(ticksOf(results).filter((tick) => tick.runId !== null)).toHaveLength(count);
      return queries;
    };
    const few = await statements(10);
    expect(await statements(SCHEDULES)).toBe(few);
  });
});
