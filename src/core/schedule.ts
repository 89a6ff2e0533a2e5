/**
 * Schedules: a cron expression in a timezone, the selection it runs, the partition of each tick
 * and what to do with ticks missed while no daemon was running. Definitions are data, validated
 * once here; the daemon (src/daemon/scheduler.ts) evaluates them.
 *
 * ```ts
 * const hourly = defineSchedule({
 *   name: 'hourly_prices',
 *   cron: '0 * * * *',
 *   selection: 'bronze/prices+',
 *   partitionFor: (tick) => hourlyPartitions.keyFor(tick),
 * });
 * ```
 */
import { cronTimes, type CronTimes } from './cron.js';
import { DefinitionError } from './errors.js';
import { MAX_RUN_RETRIES } from './types.js';

/**
 * After downtime: `latest` runs only the most recent missed tick, `all` runs up to `maxCatchup`
 * of the most recent ones. The older ticks are stored SKIPPED with the reason.
 */
export type CatchUpPolicy = 'latest' | 'all';
export const CATCH_UP_POLICIES: readonly CatchUpPolicy[] = ['latest', 'all'];

/** Bounds `maxCatchup`: a typo must not queue a year of runs. */
export const MAX_CATCHUP_LIMIT = 1000;

export interface ScheduleSpec {
  /** snake_case, so it maps to `STRATA_SCHEDULE_<NAME>_CRON` / `_TZ`. */
  readonly name: string;
  /** Five fields, or six with seconds first (`*\/10 * * * * *`). */
  readonly cron: string;
  /** IANA name; default 'UTC'. */
  readonly timezone?: string;
  /** Selection syntax, as `strata materialize` takes it. Checked against the graph when the daemon evaluates. */
  readonly selection: string;
  /**
   * The partition key a tick runs. Undefined (or no function): the partition that contains the
   * tick time, or none when the selection is unpartitioned.
   */
  readonly partitionFor?: (tickTime: Date) => string | undefined;
  /** Default 'latest'. */
  readonly catchUp?: CatchUpPolicy;
  /** With catchUp 'all': how many of the most recent missed ticks run. Default 5. */
  readonly maxCatchup?: number;
  /**
   * Run retries of this schedule's runs: how many times a run whose worker was lost is queued
   * again, resuming from failure. Default: the deployment's STRATA_RUN_MAX_RETRIES.
   */
  readonly maxRetries?: number;
  readonly description?: string;
}

export interface ScheduleDefinition {
  readonly name: string;
  readonly cron: string;
  readonly timezone: string;
  readonly selection: string;
  readonly partitionFor: (tickTime: Date) => string | undefined;
  readonly catchUp: CatchUpPolicy;
  readonly maxCatchup: number;
  /** Undefined: the deployment's default (STRATA_RUN_MAX_RETRIES). */
  readonly maxRetries: number | undefined;
  readonly description: string;
  /** The tick times of `cron` in `timezone`. */
  readonly times: CronTimes;
  /** Set when an operator override changed the cron, timezone or run retries defined in code. */
  readonly overridden: ScheduleOverride | undefined;
}

export interface ScheduleOverride {
  readonly cron?: string;
  readonly timezone?: string;
  readonly maxRetries?: number;
}

/** Operator overrides by schedule name (the shape of `config.scheduleOverrides`). */
export type ScheduleOverrides = Readonly<Record<string, ScheduleOverride>>;

const NAME_PATTERN = /^[a-z][a-z0-9_]*$/;

/** Validates a schedule; a bad name, cron, timezone or catch-up setting is a DefinitionError naming the schedule. */
export function defineSchedule(spec: ScheduleSpec): ScheduleDefinition {
  return build(spec, undefined);
}

function build(spec: ScheduleSpec, overridden: ScheduleDefinition['overridden']): ScheduleDefinition {
  const name = String(spec.name);
  if (!NAME_PATTERN.test(name)) {
    throw new DefinitionError(`schedule '${name}': the name must be snake_case ([a-z][a-z0-9_]*) so it maps to STRATA_SCHEDULE_<NAME>_CRON`);
  }
  const invalid = (message: string) => new DefinitionError(`schedule '${name}': ${message}`);
  if (typeof spec.selection !== 'string' || spec.selection.trim() === '') throw invalid('selection is empty');
  const catchUp = spec.catchUp ?? 'latest';
  if (!CATCH_UP_POLICIES.includes(catchUp)) throw invalid(`catchUp must be one of ${CATCH_UP_POLICIES.join(', ')}, got '${String(catchUp)}'`);
  const maxCatchup = spec.maxCatchup ?? 5;
  if (!Number.isInteger(maxCatchup) || maxCatchup < 1 || maxCatchup > MAX_CATCHUP_LIMIT) {
    throw invalid(`maxCatchup must be an integer from 1 to ${MAX_CATCHUP_LIMIT}, got ${String(maxCatchup)}`);
  }
  const maxRetries = spec.maxRetries;
  if (maxRetries !== undefined && (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > MAX_RUN_RETRIES)) {
    throw invalid(`maxRetries must be an integer from 0 to ${MAX_RUN_RETRIES}, got ${String(maxRetries)}`);
  }
  const timezone = spec.timezone ?? 'UTC';
  let times: CronTimes;
  try {
    times = cronTimes(spec.cron, timezone);
  } catch (error) {
    throw invalid(error instanceof Error ? error.message : String(error));
  }
  const partitionFor = spec.partitionFor ?? (() => undefined);
  return Object.freeze({
    name,
    cron: spec.cron.trim(),
    timezone,
    selection: spec.selection.trim(),
    partitionFor,
    catchUp,
    maxCatchup,
    maxRetries,
    description: spec.description ?? '',
    times,
    overridden: overridden === undefined ? undefined : Object.freeze({ ...overridden }),
  });
}

/**
 * Applies operator overrides of cron and/or timezone by schedule name. An override naming no
 * schedule, or giving a bad cron or timezone, is a DefinitionError that says where it came from.
 */
export function applyScheduleOverrides(schedules: readonly ScheduleDefinition[], overrides: ScheduleOverrides): ScheduleDefinition[] {
  const names = new Set(schedules.map((schedule) => schedule.name));
  const unknown = Object.keys(overrides).filter((name) => !names.has(name));
  if (unknown.length > 0) {
    const known = [...names].join(', ') || '(none)';
    throw new DefinitionError(
      `schedule override for unknown schedule ${unknown.map((name) => `'${name}' (STRATA_SCHEDULE_${name.toUpperCase()}_CRON/_TZ/_MAX_RETRIES)`).join(', ')}; known schedules: ${known}`,
    );
  }
  return schedules.map((schedule) => {
    const override = overrides[schedule.name];
    if (override === undefined || (override.cron === undefined && override.timezone === undefined && override.maxRetries === undefined)) return schedule;
    try {
      return build(
        {
          ...schedule,
          cron: override.cron ?? schedule.cron,
          timezone: override.timezone ?? schedule.timezone,
          maxRetries: override.maxRetries ?? schedule.maxRetries,
        },
        {
          ...(override.cron !== undefined ? { cron: override.cron } : {}),
          ...(override.timezone !== undefined ? { timezone: override.timezone } : {}),
          ...(override.maxRetries !== undefined ? { maxRetries: override.maxRetries } : {}),
        },
      );
    } catch (error) {
      const prefix = `STRATA_SCHEDULE_${schedule.name.toUpperCase()}`;
      const variables = [
        override.cron !== undefined ? `${prefix}_CRON` : '',
        override.timezone !== undefined ? `${prefix}_TZ` : '',
        override.maxRetries !== undefined ? `${prefix}_MAX_RETRIES` : '',
      ]
        .filter((variable) => variable !== '')
        .join(', ');
      throw new DefinitionError(`${error instanceof Error ? error.message : String(error)} (from the operator override ${variables})`);
    }
  });
}

/** Rejects two schedules with one name: their cursors and ticks would collide. */
export function assertUniqueScheduleNames(schedules: readonly ScheduleDefinition[]): void {
  const seen = new Set<string>();
  for (const schedule of schedules) {
    if (seen.has(schedule.name)) throw new DefinitionError(`schedule '${schedule.name}' is defined twice`);
    seen.add(schedule.name);
  }
}
