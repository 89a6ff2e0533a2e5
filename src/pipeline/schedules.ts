/**
 * The shipped schedules. `configuredSchedules(config)` is what the daemon and `strata schedules`
 * use: these definitions with the operator's STRATA_SCHEDULE_<NAME>_CRON / _TZ overrides applied.
 */
import type { Config } from '../config.js';
import { applyScheduleOverrides, defineSchedule, type ScheduleDefinition } from '../core/schedule.js';
import { dailyPartitions, sixHourlyPartitions } from '../core/partitions.js';
import { PIPELINE_ASSETS } from './definitions.js';

/** Every six-hourly asset (bronze → silver → gold), i.e. `*` without the daily marts. */
const SIX_HOURLY_SELECTION = PIPELINE_ASSETS.filter((asset) => asset.partitions?.kind === 'six_hourly')
  .map((asset) => asset.key)
  .join(',');

/** Every daily asset: the daily marts. */
const DAILY_SELECTION = PIPELINE_ASSETS.filter((asset) => asset.partitions?.kind === 'daily')
  .map((asset) => asset.key)
  .join(',');

export const everySixHours: ScheduleDefinition = defineSchedule({
  name: 'every_6_hours',
  cron: '0 */6 * * *',
  selection: SIX_HOURLY_SELECTION,
  // The window that starts at the tick: bronze fetches the market as it is now.
  partitionFor: (tick) => sixHourlyPartitions.keyFor(tick),
  catchUp: 'latest',
  description: 'Ingest CoinGecko, load silver and rebuild the six-hourly gold marts for the window that starts at the tick',
});

export const daily: ScheduleDefinition = defineSchedule({
  name: 'daily',
  cron: '15 0 * * *',
  selection: DAILY_SELECTION,
  // The last UTC day that has ended by the tick (yesterday at 00:15 UTC), whatever the timezone.
  partitionFor: (tick) => dailyPartitions.keyFor(new Date(dailyPartitions.parse(dailyPartitions.keyFor(tick)).start.getTime() - 1)),
  catchUp: 'latest',
  description: "Rebuild the daily marts for the previous day's daily partition",
});

export const PIPELINE_SCHEDULES: readonly ScheduleDefinition[] = Object.freeze([everySixHours, daily]);

/** The shipped schedules with the operator's overrides; an override naming no schedule is a DefinitionError. */
export function configuredSchedules(config: Pick<Config, 'scheduleOverrides'>): ScheduleDefinition[] {
  return applyScheduleOverrides(PIPELINE_SCHEDULES, config.scheduleOverrides);
}
