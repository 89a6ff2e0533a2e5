/** The shipped pipeline's graph and schedules for a configuration, as every process loads them. */
import type { Config } from '../../src/config.js';
import { buildGraph, type AssetGraph } from '../../src/core/graph.js';
import { applyScheduleOverrides, type ScheduleDefinition } from '../../src/core/schedule.js';
import { pipelineAssets } from '../../src/pipeline/definitions.js';
import { pipelineSchedules } from '../../src/pipeline/schedules.js';

/** The shipped schedules with the operator's STRATA_SCHEDULE_<NAME>_* overrides (a DefinitionError for an unknown name). */
export function configuredSchedules(config: Pick<Config, 'scheduleOverrides' | 'sources' | 'historyCoins' | 'goldAutomation'>): ScheduleDefinition[] {
  return applyScheduleOverrides(pipelineSchedules(config), config.scheduleOverrides);
}

export function pipelineGraph(config: Pick<Config, 'sources' | 'historyCoins' | 'goldAutomation'>): AssetGraph {
  return buildGraph(pipelineAssets(config));
}
