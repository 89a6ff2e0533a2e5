import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { defineSchedule } from '../../src/core/schedule.js';
import { createScheduler } from '../../src/daemon/scheduler.js';
import { countTicks } from '../../src/storage/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { openScheduleRuntime, type ScheduleTestRuntime } from './schedule-harness.js';

describeEachBackend('scheduler start/stop (real node-cron wake-ups)', (backend) => {
  let database: TestDatabase;
  let harness: ScheduleTestRuntime;

  beforeAll(async () => {
    database = await createTestDatabase(`scheduler_start_${backend}`, { backend });
    harness = await openScheduleRuntime(database, systemClock);
  });
  afterAll(async () => {
    await harness?.stop();
    await database?.destroy();
  });

  it('wakes at each tick of an every-second schedule and queues its run within a second of the due time', async () => {
    const schedule = defineSchedule({ name: 'every_second', cron: '* * * * * *', selection: 'bronze/raw' });
    let done: () => void = () => undefined;
    const twoTicks = new Promise<void>((resolve) => {
      done = resolve;
    });
    const loopErrors: unknown[] = [];
    const scheduler = createScheduler(harness.runtime, {
      schedules: [schedule],
      // Far away: only node-cron wakes the scheduler in this test.
      safetyIntervalMs: 3_600_000,
      async onLoopResult(error) {
        if (error !== undefined) loopErrors.push(error);
        if ((await countTicks(database.db, 'every_second')).SUCCESS >= 2) done();
      },
    });
    await scheduler.start();
    await twoTicks;
    await scheduler.stop();
    expect(loopErrors).toEqual([]);
    // Punctuality: cron due time -> run queued (the run row's created_at).
    const lags = await sql<{ lagMs: number }>`
      SELECT (extract(epoch FROM r.created_at - t.tick_at) * 1000)::int AS "lagMs"
      FROM strata.ticks t JOIN strata.runs r ON r.id = t.run_id WHERE t.schedule_name = 'every_second'`.execute(database.db);
    expect(lags.rows.length).toBeGreaterThanOrEqual(2);
    for (const { lagMs } of lags.rows) {
      expect(lagMs).toBeGreaterThanOrEqual(0);
      expect(lagMs).toBeLessThan(1000);
    }
  });
});
