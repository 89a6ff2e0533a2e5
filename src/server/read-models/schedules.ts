/**
 * Read models of schedules, shared by the JSON API and the HTML UI:
 *
 * - `scheduleList(runtime)`: each configured schedule with its cron in words, on/off, next ticks
 *   and latest tick.
 * - `scheduleDetail(runtime, name, page)`: the same, with its tick history (newest first,
 *   paged by `before` = the `tickAt` of the last tick of a page) and tick counts by status.
 * - `setScheduleOn(runtime, name, enabled)`: switch one on or off (as `strata schedules on|off`).
 *
 * Unknown names throw ScheduleNotFoundError (404).
 */
import cronstrue from 'cronstrue';
import { StrataError } from '../../core/errors.js';
import type { ScheduleDefinition, ScheduleOverride } from '../../core/schedule.js';
import type { Runtime } from '../../runtime.js';
import { countTicks, getScheduleState, latestTicks, listScheduleStates, setScheduleEnabled, toTick, type Tick, type TickStatus } from '../../storage/index.js';
import { scheduleDb } from '../../storage/schedule-tables.js';

export class ScheduleNotFoundError extends StrataError {
  constructor(name: string, known: readonly string[]) {
    super('SCHEDULE_NOT_FOUND', `no schedule '${name}'; schedules: ${known.join(', ') || '(none)'}`);
  }
}

export const NEXT_TICKS = 5;
export const TICKS_PAGE = 50;
export const MAX_TICKS_PAGE = 500;

export interface ScheduleSummary {
  readonly name: string;
  readonly cron: string;
  readonly timezone: string;
  /** "At 15 minutes past the hour, at 12:00 AM" */
  readonly cronDescription: string;
  /** Set when STRATA_SCHEDULE_<NAME>_CRON / _TZ / _MAX_RETRIES changed the cron, timezone or run retries of the code. */
  readonly overridden: ScheduleOverride | null;
  readonly enabled: boolean;
  readonly selection: string;
  readonly description: string;
  readonly catchUp: ScheduleDefinition['catchUp'];
  readonly maxCatchup: number;
  /** How many times a run of this schedule whose worker was lost is queued again, and where that number comes from. */
  readonly runRetries: { readonly maxRetries: number; readonly source: 'schedule' | 'override' | 'default' };
  /** The next NEXT_TICKS tick times after now. */
  readonly nextTicks: readonly Date[];
  readonly latestTick: Tick | null;
}

export interface TickPageRequest {
  /** Only ticks before this tick time. */
  readonly before?: Date;
  /** Default TICKS_PAGE, at most MAX_TICKS_PAGE. */
  readonly limit?: number;
}

export interface ScheduleDetail extends ScheduleSummary {
  /** The last tick time a daemon evaluated; null before the first evaluation. */
  readonly cursor: Date | null;
  readonly tickCounts: Readonly<Record<TickStatus, number>>;
  /** Newest first. */
  readonly ticks: readonly Tick[];
  /** Pass as `before` for older ticks; null on the last page. */
  readonly nextBefore: Date | null;
}

function describeCron(cron: string): string {
  try {
    return cronstrue.toString(cron, { use24HourTimeFormat: true, verbose: false });
  } catch {
    return cron;
  }
}

function summary(runtime: Runtime, schedule: ScheduleDefinition, enabled: boolean, latestTick: Tick | null): ScheduleSummary {
  return {
    name: schedule.name,
    cron: schedule.cron,
    timezone: schedule.timezone,
    cronDescription: describeCron(schedule.cron),
    overridden: schedule.overridden ?? null,
    enabled,
    selection: schedule.selection,
    description: schedule.description,
    catchUp: schedule.catchUp,
    maxCatchup: schedule.maxCatchup,
    runRetries: {
      maxRetries: schedule.maxRetries ?? runtime.config.runMaxRetries,
      source: schedule.overridden?.maxRetries !== undefined ? 'override' : schedule.maxRetries !== undefined ? 'schedule' : 'default',
    },
    nextTicks: schedule.times.take(runtime.clock.now(), NEXT_TICKS),
    latestTick,
  };
}

export function requireSchedule(runtime: Runtime, name: string): ScheduleDefinition {
  const schedules = runtime.schedules;
  const schedule = schedules.find((candidate) => candidate.name === name);
  if (schedule === undefined) throw new ScheduleNotFoundError(name, schedules.map((candidate) => candidate.name));
  return schedule;
}

/** A schedule with no stored state is on: the daemon creates its state on first evaluation. */
export async function scheduleList(runtime: Runtime): Promise<ScheduleSummary[]> {
  const { db } = runtime.database;
  const [states, ticks] = await Promise.all([listScheduleStates(db), latestTicks(db)]);
  const enabled = new Map(states.map((state) => [state.name, state.enabled]));
  return runtime.schedules.map((schedule) =>
    summary(runtime, schedule, enabled.get(schedule.name) ?? true, ticks.get(schedule.name) ?? null),
  );
}

export async function scheduleDetail(runtime: Runtime, name: string, page: TickPageRequest = {}): Promise<ScheduleDetail> {
  const schedule = requireSchedule(runtime, name);
  const { db } = runtime.database;
  const limit = Math.min(Math.max(page.limit ?? TICKS_PAGE, 1), MAX_TICKS_PAGE);
  // The unique index (schedule_name, tick_at) serves this page.
  let query = scheduleDb(db).selectFrom('strata.ticks').selectAll().where('schedule_name', '=', name).orderBy('tick_at', 'desc').limit(limit + 1);
  if (page.before !== undefined) query = query.where('tick_at', '<', page.before);
  const [state, counts, rows, latest] = await Promise.all([
    getScheduleState(db, name),
    countTicks(db, name),
    query.execute(),
    scheduleDb(db).selectFrom('strata.ticks').selectAll().where('schedule_name', '=', name).orderBy('tick_at', 'desc').limit(1).executeTakeFirst(),
  ]);
  const ticks = rows.slice(0, limit).map(toTick);
  return {
    ...summary(runtime, schedule, state?.enabled ?? true, latest === undefined ? null : toTick(latest)),
    cursor: state?.cursor ?? null,
    tickCounts: counts,
    ticks,
    nextBefore: rows.length > limit ? (ticks.at(-1)?.tickAt ?? null) : null,
  };
}

/** Turns a schedule on or off; every daemon reads the stored state. */
export async function setScheduleOn(runtime: Runtime, name: string, enabled: boolean): Promise<ScheduleSummary> {
  const schedule = requireSchedule(runtime, name);
  const state = await setScheduleEnabled(runtime.database.db, name, enabled, runtime.clock.now());
  const latest = (await latestTicks(runtime.database.db)).get(name) ?? null;
  return summary(runtime, schedule, state.enabled, latest);
}
