/**
 * Tick punctuality with the real scheduler: `createScheduler(...).start()` on a six-field
 * every-second schedule of the no-op asset, woken by node-cron, for `ticks` seconds of wall
 * time (the observation window is the measurement, so this one does wait on the clock). Lag of
 * a tick = its run's created_at (Postgres now() of the INSERT) − the tick's due time. No worker
 * runs: the runs stay queued, as they would for a daemon without workers.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { defineSchedule } from '../src/core/schedule.js';
import { createScheduler } from '../src/daemon/scheduler.js';
import type { Runtime } from '../src/runtime.js';
import { NOOP_SELECTION } from './orchestration-runtime.js';

const SCHEDULE_NAME = 'bench_every_second';

export interface TickResult {
  /** Ticks stored between the first and the last (each second once). */
  readonly ticks: number;
  readonly lagsMs: readonly number[];
  readonly skipped: number;
  readonly failed: number;
  /** Seconds in the window with no tick row at all (none expected: the cursor covers every second). */
  readonly missing: number;
}

export async function tickPunctuality(runtime: Runtime, seconds: number): Promise<TickResult> {
  const schedule = defineSchedule({ name: SCHEDULE_NAME, cron: '* * * * * *', selection: NOOP_SELECTION });
  const scheduler = createScheduler(runtime, { schedules: [schedule] });
  await scheduler.start();
  try {
    await sleep(seconds * 1000 + 500);
  } finally {
    await scheduler.stop();
  }
  const { rows } = await sql<{ tick_at: Date; status: string; created_at: Date | null }>`
    SELECT t.tick_at, t.status, r.created_at
    FROM strata.ticks t LEFT JOIN strata.runs r ON r.id = t.run_id
    WHERE t.schedule_name = ${SCHEDULE_NAME}
    ORDER BY t.tick_at`.execute(runtime.database.db);
  const time = (value: Date) => new Date(value).getTime();
  const lagsMs = rows.flatMap((row) => (row.created_at === null ? [] : [time(row.created_at) - time(row.tick_at)]));
  const first = rows[0];
  const last = rows.at(-1);
  const span = first && last ? (time(last.tick_at) - time(first.tick_at)) / 1000 + 1 : 0;
  return {
    ticks: rows.length,
    lagsMs,
    skipped: rows.filter((row) => row.status === 'SKIPPED').length,
    failed: rows.filter((row) => row.status === 'FAILURE').length,
    missing: span - rows.length,
  };
}
