import { z } from 'zod';
import { defineAsset } from '../../src/core/asset.js';
import { ManualClock } from '../../src/core/clock.js';
import type { ExecuteRunOptions } from '../../src/core/executor.js';
import type { AssetGraph } from '../../src/core/graph.js';
import { sixHourlyPartitions } from '../../src/core/partitions.js';
import type { PlannedStep } from '../../src/core/run-plan.js';
import type { Resources } from '../../src/core/types.js';
import { recorder } from './helpers.js';

export const PARTITION = '2026-11-23T06:00Z';

export const rawOutput = z.object({ path: z.string(), rows: z.number().int() });

/** bronze/raw: six-hourly, with an output schema, so stored values are validated. */
export const raw = defineAsset({
  key: 'bronze/raw',
  layer: 'bronze',
  description: 'raw pages',
  partitions: sixHourlyPartitions,
  output: rawOutput,
  materialize: async (ctx) => ({ value: { path: `raw/${ctx.partition?.key}.json`, rows: 3 }, metadata: { rows: 3 } }),
});

/** Everything executeRun needs, with a ManualClock, a recorder and no stored inputs. */
export function runOptions(graph: AssetGraph, steps: PlannedStep[], overrides: Partial<ExecuteRunOptions> = {}) {
  const clock = new ManualClock(new Date('2026-11-23T12:00:00Z'));
  const record = recorder();
  const controller = new AbortController();
  const options: ExecuteRunOptions = {
    graph,
    runId: 'run-1',
    steps,
    // Core assets here touch no resources; the pipeline augments the interface with real ones.
    resources: {} as Resources,
    signal: controller.signal,
    clock,
    emit: record.emit,
    loadInput: async () => undefined,
    random: () => 0.5,
    ...overrides,
  };
  return { options, clock, record, controller };
}
