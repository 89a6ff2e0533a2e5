import { ValidationError } from '../core/errors.js';
import type { ScheduleDefinition } from '../core/schedule.js';
import type { Runtime } from '../runtime.js';
import { latestTicks, listScheduleStates, setScheduleEnabled, type Tick } from '../storage/index.js';
import { formatTable, print } from './output.js';

export interface SchedulesArgs {
  /** [] lists; ['on', name] or ['off', name] switches one schedule. */
  readonly args: readonly string[];
  readonly json: boolean;
}

/** `strata schedules [--json]` and `strata schedules on|off <name>`. */
export async function schedulesCommand(runtime: Runtime, options: SchedulesArgs): Promise<number> {
  const schedules = runtime.schedules;
  const [action, name, ...extra] = options.args;
  if (action === undefined) return listSchedules(runtime, schedules, options.json);
  if ((action !== 'on' && action !== 'off') || name === undefined || extra.length > 0) {
    throw new ValidationError(`usage: strata schedules [--json] | strata schedules on|off <name>`);
  }
  if (!schedules.some((schedule) => schedule.name === name)) {
    throw new ValidationError(`unknown schedule '${name}'; schedules: ${schedules.map((schedule) => schedule.name).join(', ')}`);
  }
  const state = await setScheduleEnabled(runtime.database.db, name, action === 'on', runtime.clock.now());
  print(`schedule ${name} is ${state.enabled ? 'on' : 'off'}`);
  return 0;
}

async function listSchedules(runtime: Runtime, schedules: readonly ScheduleDefinition[], json: boolean): Promise<number> {
  const { db } = runtime.database;
  const states = new Map((await listScheduleStates(db)).map((state) => [state.name, state]));
  const lastTicks = await latestTicks(db);
  const now = runtime.clock.now();
  const rows = schedules.map((schedule) => ({
    name: schedule.name,
    cron: schedule.cron,
    timezone: schedule.timezone,
    overridden: schedule.overridden ?? null,
    enabled: states.get(schedule.name)?.enabled ?? true,
    catchUp: schedule.catchUp,
    maxCatchup: schedule.maxCatchup,
    selection: schedule.selection,
    description: schedule.description,
    cursor: states.get(schedule.name)?.cursor ?? null,
    nextTicks: schedule.times.take(now, 3),
    lastTick: lastTicks.get(schedule.name) ?? null,
  }));
  if (json) {
    print(JSON.stringify(rows, null, 2));
    return 0;
  }
  print(
    formatTable(
      ['schedule', 'cron', 'timezone', 'state', 'catch-up', 'next ticks (UTC)', 'last tick'],
      rows.map((row) => [
        row.name,
        row.overridden?.cron === undefined ? row.cron : `${row.cron} (override)`,
        row.overridden?.timezone === undefined ? row.timezone : `${row.timezone} (override)`,
        row.enabled ? 'on' : 'off',
        row.catchUp === 'all' ? `all (max ${row.maxCatchup})` : 'latest',
        row.nextTicks.map(shortIso).join(', '),
        describeTick(row.lastTick),
      ]),
    ),
  );
  return 0;
}

function shortIso(date: Date): string {
  return date.toISOString().replace(/:00\.000Z$/, 'Z').replace(/\.000Z$/, 'Z');
}

function describeTick(tick: Tick | null): string {
  if (tick === null) return '-';
  const at = shortIso(tick.tickAt);
  if (tick.status === 'SUCCESS') return `${at} SUCCESS${tick.runId === null ? '' : ` run ${tick.runId}`}`;
  if (tick.status === 'SKIPPED') return `${at} SKIPPED: ${tick.reason ?? ''}`;
  return `${at} FAILURE: ${tick.error ?? ''}`;
}
