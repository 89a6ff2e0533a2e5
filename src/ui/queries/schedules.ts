/** Schedules as the UI shows them: definition, on/off, next ticks, latest tick. */
import { StrataError } from '../../core/errors.js';
import type { ScheduleDefinition } from '../../core/schedule.js';
import { configuredSchedules } from '../../pipeline/schedules.js';
import type { Runtime } from '../../runtime.js';
import { latestTicks, listScheduleStates, type Tick } from '../../storage/index.js';

export interface ScheduleView {
  readonly definition: ScheduleDefinition;
  readonly enabled: boolean;
  readonly nextTicks: readonly Date[];
  readonly lastTick: Tick | null;
}

export class ScheduleNotFoundError extends StrataError {
  constructor(name: string, known: readonly string[]) {
    super('SCHEDULE_NOT_FOUND', `no schedule '${name}'; schedules: ${known.join(', ') || '(none)'}`);
  }
}

export function scheduleDefinitions(runtime: Runtime): ScheduleDefinition[] {
  return configuredSchedules(runtime.config);
}

export function requireSchedule(runtime: Runtime, name: string): ScheduleDefinition {
  const schedules = scheduleDefinitions(runtime);
  const found = schedules.find((schedule) => schedule.name === name);
  if (found === undefined) throw new ScheduleNotFoundError(name, schedules.map((schedule) => schedule.name));
  return found;
}

export async function scheduleViews(runtime: Runtime, nextCount = 3): Promise<ScheduleView[]> {
  const { db } = runtime.database;
  const [states, ticks] = await Promise.all([listScheduleStates(db), latestTicks(db)]);
  const enabled = new Map(states.map((state) => [state.name, state.enabled]));
  const now = runtime.clock.now();
  return scheduleDefinitions(runtime).map((definition) => ({
    definition,
    enabled: enabled.get(definition.name) ?? true,
    nextTicks: definition.times.take(now, nextCount),
    lastTick: ticks.get(definition.name) ?? null,
  }));
}
