import type { AnyAsset } from './asset.js';
import type { PlannedStep } from './run-plan.js';
import { planInputs } from './step-inputs.js';
import { stepKey } from './step-key.js';

/**
 * The steps of this run that `step` waits for: the upstream asset partitions it reads that the
 * run itself materializes (`inRun`: their step keys). Anything else it reads is loaded from
 * storage, so it does not order the run. The one place that answers "may this step start yet".
 */
export function stepWaitsFor(asset: AnyAsset, step: PlannedStep, inRun: ReadonlySet<string>): string[] {
  let plans;
  try {
    plans = planInputs(asset, step.partition);
  } catch {
    // The step reports its mapping error when it runs; it waits for nothing.
    return [];
  }
  const keys = plans.flatMap((plan) => plan.sources.map((source) => stepKey(source.upstream.key, source.partition)));
  return [...new Set(keys)].filter((key) => inRun.has(key));
}
