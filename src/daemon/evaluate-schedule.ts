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
import { createRuns, type CreateRunInput, type Run } from '../storage/runs.js';
import { advanceScheduleCursors, ensureScheduleStates, type CursorMove } from '../storage/schedules.js';
import type { TickStatus } from '../storage/schedule-tables.js';
import { claimTicks, failTick, setTickRuns, type Tick } from '../storage/ticks.js';
import { defaultPartitionKey, prepareRun, type RunRequest } from './execute-run.js';
import { planTicks, type TickPlan } from './plan-ticks.js';
import { announceQueueChanged } from './queue-signals.js';

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
  const [evaluation] = await evaluateSchedules(runtime, [schedule], now, clock);
  if (evaluation === undefined) throw new Error(`schedule '${schedule.name}' was not evaluated`);
  return evaluation;
}

interface PlannedSchedule {
  readonly schedule: ScheduleDefinition;
  readonly cursor: Date;
  readonly plan: TickPlan;
}

/**
 * Evaluates several schedules at `now` in a fixed number of statements, whatever their number:
 * a thousand schedules due at the same second read their state, claim their ticks, queue their
 * runs (one createRuns), record them and move their cursors in about six round trips, where one
 * schedule at a time took six each. Each step keeps the guarantees of the one-schedule version:
 * tick rows claimed ON CONFLICT DO NOTHING, runs keyed by tick, cursors moved by compare-and-set
 * only after every tick up to them is settled. Results in the order of `schedules`.
 */
export async function evaluateSchedules(runtime: Runtime, schedules: readonly ScheduleDefinition[], now: Date, clock: Clock): Promise<ScheduleEvaluation[]> {
  const { db } = runtime.database;
  const states = await ensureScheduleStates(db, schedules.map((schedule) => schedule.name));
  const stateOf = (schedule: ScheduleDefinition) => {
    const state = states.get(schedule.name);
    if (state === undefined) throw new Error(`schedule '${schedule.name}' has no stored state`);
    return state;
  };
  const planned: PlannedSchedule[] = [];
  const moves: CursorMove[] = [];
  // Computing cron times is the costly part of planning, and a plan depends only on the cron,
  // time zone, cursor, on/off and catch-up policy: schedules alike (a thousand due at one
  // second, usually) share one.
  const plans = new Map<string, TickPlan>();
  for (const schedule of schedules) {
    const state = stateOf(schedule);
    // First evaluation ever: start from now, so a new schedule has no backlog.
    if (state.cursor === null) {
      moves.push({ name: schedule.name, from: null, to: now });
      continue;
    }
    const key = JSON.stringify([schedule.cron, schedule.timezone, state.cursor.toISOString(), state.enabled, schedule.catchUp, schedule.maxCatchup]);
    let plan = plans.get(key);
    if (plan === undefined) {
      plan = planTicks(schedule, state.cursor, now, state.enabled);
      plans.set(key, plan);
    }
    planned.push({ schedule, cursor: state.cursor, plan });
  }
  const outcomes = await settleTicks(runtime, planned, now, clock);
  for (const { schedule, cursor, plan } of planned) {
    const last = plan.ticks.at(-1);
    if (last !== undefined) moves.push({ name: schedule.name, from: cursor, to: last.tickAt });
  }
  const advanced = await advanceScheduleCursors(db, moves, clock.now());
  const evaluations = schedules.map((schedule): ScheduleEvaluation => {
    const state = stateOf(schedule);
    const base = { scheduleName: schedule.name, enabled: state.enabled, cursorBefore: state.cursor };
    if (state.cursor === null) return { ...base, cursorAfter: now, advanced: advanced.has(schedule.name), ticks: [], notStored: 0 };
    const plan = planned.find((entry) => entry.schedule === schedule)?.plan;
    const last = plan?.ticks.at(-1);
    if (plan === undefined || last === undefined) return { ...base, cursorAfter: state.cursor, advanced: false, ticks: [], notStored: 0 };
    return { ...base, cursorAfter: last.tickAt, advanced: advanced.has(schedule.name), ticks: outcomes.get(schedule.name) ?? [], notStored: plan.notStored };
  });
  for (const evaluation of evaluations) {
    for (const tick of evaluation.ticks) {
      if (tick.claimed && tick.runId !== null) runtime.telemetry.publish({ type: 'schedule:tick', schedule: tick.scheduleName, lagMs: tick.lagMs });
    }
  }
  return evaluations;
}

/** Claims every planned tick, queues the runs of the SUCCESS ticks that have none yet, records them; outcomes by schedule name. */
async function settleTicks(runtime: Runtime, planned: readonly PlannedSchedule[], now: Date, clock: Clock): Promise<Map<string, TickOutcome[]>> {
  const { db } = runtime.database;
  const entries = planned.flatMap(({ schedule, plan }) => plan.ticks.map((tick) => ({ schedule, tick })));
  const claims = await claimTicks(
    db,
    entries.map(({ schedule, tick }) => ({ scheduleName: schedule.name, tickAt: tick.tickAt, status: tick.run ? 'SUCCESS' : 'SKIPPED', reason: tick.run ? null : tick.reason })),
    now,
  );
  const ticks = claims.map((claim) => claim.tick);
  const toQueue: { index: number; input: CreateRunInput & { readonly assetKeys: readonly string[] } }[] = [];
  const failures: { index: number; error: unknown }[] = [];
  const prepare = memoizedPrepare(runtime);
  entries.forEach(({ schedule, tick }, index) => {
    const stored = ticks[index];
    if (stored === undefined || stored.status !== 'SUCCESS' || stored.runId !== null) return;
    try {
      toQueue.push({ index, input: prepare(runRequest(runtime, schedule, tick.tickAt)) });
    } catch (error) {
      // The schedule's own code or selection is wrong: no retry will fix this tick.
      if (error instanceof StrataError && error.retryable) throw error;
      failures.push({ index, error });
    }
  });
  const runs = await createRuns(
    db,
    toQueue.map((entry) => entry.input),
  );
  if (runs.length > 0) announceQueueChanged(runtime.database);
  const recorded = toQueue.map((entry, i) => ({ tickId: (ticks[entry.index] as Tick).id, runId: (runs[i] as Run).id }));
  await setTickRuns(db, recorded);
  toQueue.forEach((entry, i) => {
    ticks[entry.index] = { ...(ticks[entry.index] as Tick), runId: (runs[i] as Run).id };
  });
  for (const { index, error } of failures) {
    const tick = ticks[index] as Tick;
    const message = describeError(error);
    await failTick(db, tick.id, message);
    ticks[index] = { ...tick, status: 'FAILURE', error: message };
  }
  const lagAt = clock.now().getTime();
  const outcomes = new Map<string, TickOutcome[]>();
  entries.forEach(({ schedule, tick }, index) => {
    const stored = ticks[index] as Tick;
    const list = outcomes.get(schedule.name) ?? [];
    list.push({
      scheduleName: schedule.name,
      tickAt: tick.tickAt,
      status: stored.status,
      runId: stored.runId,
      reason: stored.reason,
      error: stored.error,
      claimed: claims[index]?.claimed ?? false,
      lagMs: lagAt - tick.tickAt.getTime(),
    });
    outcomes.set(schedule.name, list);
  });
  return outcomes;
}

/**
 * prepareRun once per selection, partition and retries in a round: a thousand schedules over a
 * hundred assets resolve a hundred selections, not a thousand. Tags and run key are the tick's own.
 */
function memoizedPrepare(runtime: Runtime): (request: RunRequest) => CreateRunInput & { readonly assetKeys: readonly string[] } {
  const prepared = new Map<string, CreateRunInput>();
  return (request) => {
    const key = JSON.stringify([request.selection, request.partitionKey ?? null, request.maxRetries ?? null]);
    let base = prepared.get(key);
    if (base === undefined) {
      const { runKey: _runKey, tags: _tags, ...shared } = request;
      base = prepareRun(runtime, shared);
      prepared.set(key, base);
    }
    return { ...base, tags: request.tags ?? {}, runKey: request.runKey ?? null, assetKeys: base.assetKeys ?? [] };
  };
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
