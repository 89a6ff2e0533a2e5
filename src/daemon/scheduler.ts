/**
 * The scheduler loop of the daemon. `evaluateDue(now)` is the whole logic (testable with any
 * clock); `start()` only decides when to call it: node-cron wakes it at each schedule's tick
 * times, and a periodic safety evaluation (default every 30 s) catches a wake-up that was missed
 * (a blocked event loop, a suspended machine). Ticks are computed from the stored cursor, so a
 * late or missing wake-up only delays a tick, never loses or doubles it. While the database is
 * unreachable wake-ups are skipped; when it is back, every schedule is evaluated at once, and
 * the ticks missed meanwhile run or are skipped per each schedule's catch-up policy.
 *
 * @example
 * const scheduler = createScheduler(runtime, { schedules: configuredSchedules(runtime.config) });
 * await scheduler.start();
 * // ... on SIGTERM:
 * await scheduler.stop();
 */
import cron, { type ScheduledTask } from 'node-cron';
import { describeError } from '../core/errors.js';
import { assertUniqueScheduleNames, type ScheduleDefinition } from '../core/schedule.js';
import { select } from '../core/selection.js';
import type { Clock } from '../core/types.js';
import { signalLoopError } from '../metrics/loop-errors.js';
import type { Runtime } from '../runtime.js';
import { availabilityOf, isConnectionError } from '../storage/index.js';
import { loopReporter } from './background-loop.js';
import { evaluateSchedules, type ScheduleEvaluation } from './evaluate-schedule.js';

export interface SchedulerOptions {
  readonly schedules: readonly ScheduleDefinition[];
  /** Default: the runtime's clock. */
  readonly clock?: Clock;
  /** How often every schedule is evaluated besides its cron wake-ups. Default 30 s. */
  readonly safetyIntervalMs?: number;
  /** The daemon's row in `strata.processes`: each round's result is recorded there as loop 'scheduler'. */
  readonly processId?: string;
  /**
   * Called after each evaluation round with the first error of the round, if any. Default, with
   * a processId: loopReporter(database, processId, 'scheduler', clock) (recordLoopResult).
   */
  readonly onLoopResult?: (error?: unknown) => void | Promise<void>;
}

/** The result of one schedule in a round; `error` when its evaluation threw (nothing was lost: it is retried next round). */
export type ScheduleRoundResult = ScheduleEvaluation | ScheduleEvaluationError;

export interface ScheduleEvaluationError {
  readonly scheduleName: string;
  readonly error: string;
}

export interface Scheduler {
  readonly schedules: readonly ScheduleDefinition[];
  /** Evaluates every schedule at `now` (default: the clock's now) in one round; a failed round is retried at the next wake-up. */
  evaluateDue(now?: Date): Promise<ScheduleRoundResult[]>;
  /** Evaluates once (catching up after a restart), then wakes at tick times until stop(). */
  start(): Promise<void>;
  /** Stops waking and waits for the evaluation in progress. */
  stop(): Promise<void>;
}

export const DEFAULT_SAFETY_INTERVAL_MS = 30_000;
/** The loop name in `strata.processes` and in logs. */
export const SCHEDULER_LOOP = 'scheduler';
/** node-cron may fire a few ms before the tick by our clock; wait for it rather than 30 s. */
const EARLY_WAKE_TOLERANCE_MS = 100;

export function isEvaluationError(result: ScheduleRoundResult): result is ScheduleEvaluationError {
  return 'error' in result;
}

/** Problems of selections against the graph, one line per schedule (empty when all resolve). */
export function checkScheduleSelections(runtime: Pick<Runtime, 'graph'>, schedules: readonly ScheduleDefinition[]): string[] {
  const problems: string[] = [];
  for (const schedule of schedules) {
    try {
      select(runtime.graph, schedule.selection);
    } catch (error) {
      problems.push(`schedule '${schedule.name}': ${describeError(error)}`);
    }
  }
  return problems;
}

export function createScheduler(runtime: Runtime, options: SchedulerOptions): Scheduler {
  assertUniqueScheduleNames(options.schedules);
  const schedules = Object.freeze([...options.schedules]);
  const clock = options.clock ?? runtime.clock;
  const log = runtime.logger.child({ loop: SCHEDULER_LOOP });
  const onLoopResult =
    options.onLoopResult ?? (options.processId === undefined ? undefined : loopReporter(runtime.database, options.processId, SCHEDULER_LOOP, clock));
  // One evaluation round at a time in this process (so never two of one schedule); other
  // processes are kept apart by the database.
  let chain: Promise<unknown> = Promise.resolve();
  // Schedules whose cron woke them, evaluated together: a thousand due at one second make one round.
  const woken = new Set<ScheduleDefinition>();
  let flushScheduled = false;
  // stop() waits for these: a flush may be asleep until its tick, not yet in `chain`.
  const flushes = new Set<Promise<void>>();
  let tasks: ScheduledTask[] = [];
  let safetyTimer: NodeJS.Timeout | undefined;
  let running = false;
  let unsubscribe: (() => void) | undefined;
  const availability = availabilityOf(runtime.database);

  function evaluate(batch: readonly ScheduleDefinition[], now: Date | undefined): Promise<ScheduleRoundResult[]> {
    const next = chain.then(() => evaluateBatch(batch, now ?? clock.now()));
    chain = next.catch(() => undefined);
    return next;
  }

  async function evaluateBatch(batch: readonly ScheduleDefinition[], now: Date): Promise<ScheduleRoundResult[]> {
    try {
      const evaluations = await evaluateSchedules(runtime, batch, now, clock);
      for (const evaluation of evaluations) logEvaluation(evaluation);
      return evaluations;
    } catch (error) {
      const lostDatabase = runtime.database.availability !== undefined && isConnectionError(error);
      // Not the database: one schedule's fault must not hold back the others, so each goes alone.
      if (batch.length > 1 && !lostDatabase) return (await Promise.all(batch.map((schedule) => evaluateBatch([schedule], now)))).flat();
      // A lost database is logged once for the whole outage by the pool; its recovery re-evaluates.
      const names = batch.map((schedule) => schedule.name);
      log[lostDatabase ? 'debug' : 'error']({ err: error, schedules: names.length > 10 ? `${names.length} schedules` : names }, `schedule evaluation failed (retried on the next wake-up): ${describeError(error)}`);
      signalLoopError(SCHEDULER_LOOP);
      return batch.map((schedule) => ({ scheduleName: schedule.name, error: describeError(error) }));
    }
  }

  function logEvaluation(evaluation: ScheduleEvaluation): void {
    for (const tick of evaluation.ticks) {
      if (!tick.claimed) continue;
      const fields = { schedule: tick.scheduleName, tick: tick.tickAt.toISOString(), runId: tick.runId, lagMs: tick.lagMs };
      if (tick.status === 'FAILURE') log.error({ ...fields, error: tick.error }, 'schedule tick failed');
      else if (tick.status === 'SKIPPED') log.info({ ...fields, reason: tick.reason }, 'schedule tick skipped');
      else log.info(fields, 'schedule tick queued a run');
    }
  }

  async function round(results: readonly ScheduleRoundResult[]): Promise<void> {
    const failed = results.find(isEvaluationError);
    try {
      await onLoopResult?.(failed === undefined ? undefined : new Error(`schedule '${failed.scheduleName}': ${failed.error}`));
    } catch (error) {
      if (isConnectionError(error)) log.debug({ err: error }, 'recording the scheduler loop result failed');
      else log.warn({ err: error }, 'recording the scheduler loop result failed');
    }
  }

  async function evaluateDue(now?: Date): Promise<ScheduleRoundResult[]> {
    const results = await evaluate(schedules, now);
    await round(results);
    return results;
  }

  function wake(schedule: ScheduleDefinition): void {
    if (!availability.available) return;
    woken.add(schedule);
    if (flushScheduled) return;
    flushScheduled = true;
    // The wake-ups of one second fire in one pass of the timers: gather them all first.
    const flush = new Promise((resolve) => setImmediate(resolve))
      .then(flushWoken)
      .catch((error: unknown) => log.error({ err: error }, 'schedule wake-up failed'));
    flushes.add(flush);
    void flush.finally(() => flushes.delete(flush));
  }

  async function flushWoken(): Promise<void> {
    const batch = [...woken];
    woken.clear();
    flushScheduled = false;
    if (!running) return;
    const now = clock.now();
    // node-cron can fire a few ms before the tick by our clock: then the tick is just ahead, and
    // we wait for it rather than evaluate too early and leave it to the next wake-up.
    // Once per cron and time zone: computing cron times is the costly part.
    const next = new Map<string, number>();
    for (const schedule of batch) {
      const key = `${schedule.cron}\u0000${schedule.timezone}`;
      if (!next.has(key)) next.set(key, schedule.times.nextAfter(now).getTime() - now.getTime());
    }
    const ahead = Math.max(0, ...[...next.values()].filter((ms) => ms < EARLY_WAKE_TOLERANCE_MS));
    if (ahead > 0) await clock.sleep(ahead);
    await round(await evaluate(batch, undefined));
  }

  async function start(): Promise<void> {
    if (running) return;
    running = true;
    for (const problem of checkScheduleSelections(runtime, schedules)) log.error(problem);
    await evaluateDue();
    tasks = schedules.flatMap((schedule) => {
      if (!cron.validate(schedule.cron)) {
        log.warn({ schedule: schedule.name, cron: schedule.cron }, 'node-cron cannot wake at this expression; the safety evaluation runs its ticks');
        return [];
      }
      return [
        cron.schedule(schedule.cron, () => (running ? wake(schedule) : undefined), {
          name: `strata-schedule-${schedule.name}`,
          timezone: schedule.timezone,
          // Rounds run one at a time, and a missed wake-up is caught up from the cursor.
          suppressMissedWarning: true,
        }),
      ];
    });
    safetyTimer = setInterval(() => {
      if (running && availability.available) void evaluateDue();
    }, options.safetyIntervalMs ?? DEFAULT_SAFETY_INTERVAL_MS);
    unsubscribe = availability.onChange((available) => {
      if (running && available) void evaluateDue();
    });
    log.info({ schedules: schedules.map((schedule) => `${schedule.name} (${schedule.cron} ${schedule.timezone})`) }, 'scheduler started');
  }

  async function stop(): Promise<void> {
    if (!running) return;
    running = false;
    unsubscribe?.();
    if (safetyTimer !== undefined) clearInterval(safetyTimer);
    safetyTimer = undefined;
    await Promise.all(tasks.map((task) => task.destroy()));
    tasks = [];
    await Promise.allSettled([...flushes]);
    await chain;
    log.info('scheduler stopped');
  }

  return Object.freeze({ schedules, evaluateDue, start, stop });
}
