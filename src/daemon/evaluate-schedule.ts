/**
 * One evaluation of one schedule: the ticks due since its stored cursor, each stored with its
 * outcome, at most one run per tick, then the cursor moved by compare-and-set.
 *
 * Why it is safe with several daemons and restarts:
 * - the tick row is the claim (INSERT … ON CONFLICT DO NOTHING on (schedule, tick time)): the
 *   first evaluator decides run or skip, later ones read that decision and follow it;
 * - the run's `run_key` is `schedule:<name>:<tick ISO>`, so queueing it twice returns one run;
 * - a SUCCESS tick whose run is not recorded yet (a daemon died in between) is finished by the
 *   next evaluator, because the cursor only moves after every tick up to it is settled.
 */
import { StrataError, describeError } from '../core/errors.js';
import type { ScheduleDefinition } from '../core/schedule.js';
import { select } from '../core/selection.js';
import type { Clock } from '../core/types.js';
import type { Runtime } from '../runtime.js';
import { advanceScheduleCursor, ensureScheduleState } from '../storage/schedules.js';
import type { TickStatus } from '../storage/schedule-tables.js';
import { claimTick, failTick, setTickRun, type Tick } from '../storage/ticks.js';
import { defaultPartitionKey, queueRun, type RunRequest } from './execute-run.js';
import { planTicks, type PlannedTick } from './plan-ticks.js';

export interface TickOutcome {
  readonly scheduleName: string;
  readonly tickAt: Date;
  readonly status: TickStatus;
  readonly runId: string | null;
  readonly reason: string | null;
  readonly error: string | null;
  /** False when another evaluator (a second daemon) had stored this tick first; its outcome is shown. */
  readonly claimed: boolean;
  /** Punctuality: when this evaluator was done with the tick (run queued) minus the tick's due time. */
  readonly lagMs: number;
}

export interface ScheduleEvaluation {
  readonly scheduleName: string;
  readonly enabled: boolean;
  readonly cursorBefore: Date | null;
  readonly cursorAfter: Date | null;
  /** True when this evaluator moved the cursor (false: nothing due, or another daemon moved it first). */
  readonly advanced: boolean;
  readonly ticks: readonly TickOutcome[];
  /** Missed ticks too old to be stored one by one (see MAX_STORED_SKIPS). */
  readonly notStored: number;
}

export function scheduleRunKey(scheduleName: string, tickAt: Date): string {
  return `schedule:${scheduleName}:${tickAt.toISOString()}`;
}

/**
 * Evaluates `schedule` at `now`. Throws only on what another attempt may fix (the database);
 * a tick that cannot make a run (bad selection, partition function threw) is stored FAILURE.
 */
export async function evaluateSchedule(runtime: Runtime, schedule: ScheduleDefinition, now: Date, clock: Clock): Promise<ScheduleEvaluation> {
  const { db } = runtime.database;
  const state = await ensureScheduleState(db, schedule.name);
  const base = { scheduleName: schedule.name, enabled: state.enabled, cursorBefore: state.cursor };
  if (state.cursor === null) {
    // First evaluation ever: start from now, so a new schedule has no backlog.
    const advanced = await advanceScheduleCursor(db, schedule.name, null, now, now);
    return { ...base, cursorAfter: now, advanced, ticks: [], notStored: 0 };
  }
  const plan = planTicks(schedule, state.cursor, now, state.enabled);
  const last = plan.ticks.at(-1);
  if (last === undefined) return { ...base, cursorAfter: state.cursor, advanced: false, ticks: [], notStored: 0 };
  const ticks: TickOutcome[] = [];
  for (const planned of plan.ticks) ticks.push(await settleTick(runtime, schedule, planned, now, clock));
  const advanced = await advanceScheduleCursor(db, schedule.name, state.cursor, last.tickAt, clock.now());
  for (const tick of ticks) {
    if (tick.claimed && tick.runId !== null) runtime.telemetry.publish({ type: 'schedule:tick', schedule: tick.scheduleName, lagMs: tick.lagMs });
  }
  return { ...base, cursorAfter: last.tickAt, advanced, ticks, notStored: plan.notStored };
}

async function settleTick(runtime: Runtime, schedule: ScheduleDefinition, planned: PlannedTick, now: Date, clock: Clock): Promise<TickOutcome> {
  const { db } = runtime.database;
  const { tickAt } = planned;
  const outcome = (tick: Tick, claimed: boolean): TickOutcome => ({
    scheduleName: schedule.name,
    tickAt,
    status: tick.status,
    runId: tick.runId,
    reason: tick.reason,
    error: tick.error,
    claimed,
    lagMs: clock.now().getTime() - tickAt.getTime(),
  });
  if (!planned.run) {
    const { tick, claimed } = await claimTick(db, { scheduleName: schedule.name, tickAt, status: 'SKIPPED', reason: planned.reason, evaluatedAt: now });
    return outcome(tick, claimed);
  }
  const { tick, claimed } = await claimTick(db, { scheduleName: schedule.name, tickAt, status: 'SUCCESS', evaluatedAt: now });
  if (tick.status !== 'SUCCESS' || tick.runId !== null) return outcome(tick, claimed);
  let request: RunRequest;
  try {
    request = runRequest(runtime, schedule, tickAt);
  } catch (error) {
    // The schedule's own code or selection is wrong: no retry will fix this tick.
    return failed(tick, claimed, error);
  }
  try {
    const run = await queueRun(runtime, request);
    await setTickRun(db, tick.id, run.id);
    return outcome({ ...tick, runId: run.id }, claimed);
  } catch (error) {
    if (error instanceof StrataError && !error.retryable) return failed(tick, claimed, error);
    throw error;
  }

  async function failed(tick: Tick, claimed: boolean, error: unknown): Promise<TickOutcome> {
    const message = describeError(error);
    await failTick(db, tick.id, message);
    return outcome({ ...tick, status: 'FAILURE', error: message }, claimed);
  }
}

function runRequest(runtime: Runtime, schedule: ScheduleDefinition, tickAt: Date): RunRequest {
  const tick = tickAt.toISOString();
  let partitionKey: string | undefined;
  try {
    partitionKey = schedule.partitionFor(tickAt);
  } catch (error) {
    throw new Error(`schedule '${schedule.name}': partitionFor(${tick}) threw: ${describeError(error)}`, { cause: error });
  }
  // No key from the schedule: the partition that contains the tick, never the one that contains "now".
  partitionKey ??= defaultPartitionKey(runtime.graph, select(runtime.graph, schedule.selection), tickAt);
  return {
    selection: schedule.selection,
    ...(partitionKey !== undefined ? { partitionKey } : {}),
    trigger: 'schedule',
    tags: { schedule: schedule.name, tick },
    runKey: scheduleRunKey(schedule.name, tickAt),
    ...(schedule.maxRetries !== undefined ? { maxRetries: schedule.maxRetries } : {}),
  };
}
