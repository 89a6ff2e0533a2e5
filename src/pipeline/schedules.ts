/**
 * The shipped schedules: every six-hourly asset every six hours, every daily asset once a day.
 * The operator's STRATA_SCHEDULE_<NAME>_CRON / _TZ overrides are applied when definitions load.
 */
import { defineSchedule, type ScheduleDefinition } from '../index.js';
import { dailyPartitions, sixHourlyPartitions } from '../index.js';
import type { AnyAsset } from '../index.js';
import { DEFAULT_PIPELINE_OPTIONS, pipelineAssets, type PipelineOptions } from './definitions.js';

/** The keys of the assets partitioned by `kind`, as a selection; assets with an automation condition run by it instead. */
function selectionOf(assets: readonly AnyAsset[], kind: 'six_hourly' | 'daily'): string {
  return assets
    .filter((asset) => asset.partitions?.kind === kind && asset.automation === undefined)
    .map((asset) => asset.key)
    .join(',');
}

/** Every six-hourly asset (bronze → silver → gold), i.e. `*` without the daily ones (and without the gold marts when automation runs them). */
function everySixHoursFor(assets: readonly AnyAsset[]): ScheduleDefinition {
  return defineSchedule({
    name: 'every_6_hours',
    cron: '0 */6 * * *',
    selection: selectionOf(assets, 'six_hourly'),
    // The window that starts at the tick: bronze fetches the market as it is now.
    partitionFor: (tick) => sixHourlyPartitions.keyFor(tick),
    catchUp: 'latest',
    description: 'Ingest the sources, load silver and rebuild the six-hourly gold marts for the window that starts at the tick',
  });
}

/** Every daily asset: the price history and the daily marts. */
function dailyFor(assets: readonly AnyAsset[]): ScheduleDefinition {
  return defineSchedule({
    name: 'daily',
    cron: '15 0 * * *',
    selection: selectionOf(assets, 'daily'),
    // The last UTC day that has ended by the tick (yesterday at 00:15 UTC), whatever the timezone.
    partitionFor: (tick) => dailyPartitions.keyFor(new Date(dailyPartitions.parse(dailyPartitions.keyFor(tick)).start.getTime() - 1)),
    catchUp: 'latest',
    description: "Fetch the previous day's price history and rebuild the daily marts for it",
  });
}

/** The schedules of the pipeline `options` configures (default: the default configuration's). */
export function pipelineSchedules(options: PipelineOptions = DEFAULT_PIPELINE_OPTIONS): ScheduleDefinition[] {
  const assets = pipelineAssets(options);
  return [everySixHoursFor(assets), dailyFor(assets)];
}

export const [everySixHours] = pipelineSchedules() as [ScheduleDefinition];
