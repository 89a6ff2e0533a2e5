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
  /** The scheduler's own lag per tick with a run (its `schedule:tick` telemetry). */
  readonly queuedLagsMs: readonly number[];
}

export async function tickPunctuality(runtime: Runtime, seconds: number): Promise<TickResult> {
  const schedule = defineSchedule({ name: SCHEDULE_NAME, cron: '* * * * * *', selection: NOOP_SELECTION });
  const queuedLagsMs: number[] = [];
  const unsubscribe = runtime.telemetry.subscribe((event) => {
    if (event.type === 'schedule:tick' && event.schedule === SCHEDULE_NAME) queuedLagsMs.push(event.lagMs);
  });
  const scheduler = createScheduler(runtime, { schedules: [schedule] });
  await scheduler.start();
  try {
    await sleep(seconds * 1000 + 500);
  } finally {
    await scheduler.stop();
    unsubscribe();
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
    queuedLagsMs,
  };
}

export interface ManyTicksResult {
  readonly schedules: number;
  /** Due times observed (each should have one tick per schedule). */
  readonly rounds: number;
  readonly ticks: number;
  readonly withRun: number;
  /** Ticks of a due time a schedule has none for (none expected). */
  readonly missing: number;
  /** Per tick: the scheduler's own lag (its clock after the run was queued − the due time), from telemetry. */
  readonly queuedLagsMs: readonly number[];
  /** Per tick: the run's created_at − the due time (created_at is its transaction's start). */
  readonly createdLagsMs: readonly number[];
}

/**
 * `count` schedules that are all due at the same seconds (every five seconds), over the chain's
 * assets, observed with the real scheduler for `seconds` of wall time. Lags come from the
 * scheduler's `schedule:tick` telemetry (due → run queued, by its clock) and from the runs.
 */
export async function manySchedulesPunctuality(runtime: Runtime, count: number, assets: number, seconds: number): Promise<ManyTicksResult> {
  const schedules = Array.from({ length: count }, (_, i) =>
    defineSchedule({ name: `bench_many_${String(i).padStart(4, '0')}`, cron: '*/5 * * * * *', selection: `silver/chain_${String(i % assets).padStart(3, '0')}` }),
  );
  const queuedLagsMs: number[] = [];
  const unsubscribe = runtime.telemetry.subscribe((event) => {
    if (event.type === 'schedule:tick' && event.schedule.startsWith('bench_many_')) queuedLagsMs.push(event.lagMs);
  });
  const scheduler = createScheduler(runtime, { schedules });
  await scheduler.start();
  try {
    await sleep(seconds * 1000 + 500);
  } finally {
    await scheduler.stop();
    unsubscribe();
  }
  const { rows } = await sql<{ tick_at: Date; ticks: number; with_run: number; lags: number[] }>`
    SELECT t.tick_at, count(*)::int AS ticks, count(r.id)::int AS with_run,
           array_agg(extract(epoch FROM r.created_at - t.tick_at) * 1000) FILTER (WHERE r.id IS NOT NULL) AS lags
    FROM strata.ticks t LEFT JOIN strata.runs r ON r.id = t.run_id
    WHERE t.schedule_name LIKE 'bench_many_%'
    GROUP BY t.tick_at ORDER BY t.tick_at`.execute(runtime.database.db);
  return {
    schedules: count,
    rounds: rows.length,
    ticks: rows.reduce((sum, row) => sum + row.ticks, 0),
    withRun: rows.reduce((sum, row) => sum + row.with_run, 0),
    missing: rows.reduce((sum, row) => sum + (count - row.ticks), 0),
    queuedLagsMs,
    createdLagsMs: rows.flatMap((row) => (row.lags ?? []).map(Number)),
  };
}
