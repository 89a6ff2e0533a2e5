import type { AnyAsset } from './asset.js';
import { InvalidPartitionKeyError } from './errors.js';
import { EventSink } from './event-sink.js';
import { type AssetGraph, getAsset } from './graph.js';
import { coveredStepKeys, plannedStepKey, stepPartitionLabel } from './partition-range.js';
import { type PlannedStep, resolvePartition } from './run-plan.js';
import { type StepResult, runStep } from './run-step.js';
import { type LoadInput, planInputs } from './step-inputs.js';
import { describeStep, stepKey } from './step-key.js';
import type { Clock, Resources, RunEvent, RunStatus } from './types.js';

export { planRun } from './run-plan.js';
export type { PlannedStep } from './run-plan.js';
export type { StepResult } from './run-step.js';

export interface ExecuteRunOptions {
  readonly graph: AssetGraph;
  readonly runId: string;
  /** The run's tags, handed to asset code as `ctx.run.tags`; default none. */
  readonly tags?: Readonly<Record<string, string>>;
  readonly steps: readonly PlannedStep[];
  readonly resources: Resources;
  readonly signal: AbortSignal;
  readonly clock: Clock;
  /** Awaited for each event, in order: the caller persists them. */
  readonly emit: (event: RunEvent) => void | Promise<void>;
  /** Upstream outputs not produced in this run. */
  readonly loadInput: LoadInput;
  /** Jitter source for retry backoff; Math.random by default. */
  readonly random?: () => number;
  /** `stepKey(assetKey, partition)` of steps that already succeeded (re-execution from failure). */
  readonly skip?: ReadonlySet<string>;
}

export interface RunResult {
  readonly status: Extract<RunStatus, 'SUCCESS' | 'FAILURE' | 'CANCELED'>;
  readonly steps: readonly StepResult[];
}

const CANCELED_REASON = 'run canceled';

/**
 * Runs steps one at a time in topological order. A failed step skips everything downstream of
 * it in this run while independent branches still run; an aborted signal cancels the running
 * step and skips the rest. Rejects only for steps naming unknown assets or when `emit` fails.
 */
export async function executeRun(options: ExecuteRunOptions): Promise<RunResult> {
  const { graph, runId, clock, signal } = options;
  // Frozen: asset code of one step must not change what the next one sees.
  const runTags = Object.freeze({ ...options.tags });
  const steps = inTopologicalOrder(graph, options.steps);
  const sink = new EventSink(options.emit);
  const runStart = clock.now().getTime();
  await sink.send({ type: 'run:started', runId, at: clock.now() });

  const produced = new Map<string, unknown>();
  // Step key -> the failed step that blocks it, so a skip names the root failure.
  const blockedBy = new Map<string, string>();
  const results: StepResult[] = [];
  const skipStep = async (step: PlannedStep, reason: string): Promise<void> => {
    const partition = stepPartitionLabel(step);
    await sink.send({ type: 'step:skipped', runId, at: clock.now(), assetKey: step.assetKey, partition, reason });
    results.push({ assetKey: step.assetKey, partition, status: 'SKIPPED', attempts: 0, durationMs: 0, error: reason });
  };

  let canceled = false;
  for (const step of steps) {
    const asset = getAsset(graph, step.assetKey);
    const key = plannedStepKey(step);
    if (signal.aborted) {
      canceled = true;
      await skipStep(step, CANCELED_REASON);
      continue;
    }
    if (options.skip?.has(key)) {
      await skipStep(step, 'already succeeded in an earlier run');
      continue;
    }
    const blocker = findBlocker(asset, step, blockedBy);
    if (blocker !== undefined) {
      for (const covered of coveredStepKeys(step)) blockedBy.set(covered, blocker);
      await skipStep(step, `upstream ${blocker} failed`);
      continue;
    }
    const { result, value } = await runStep({
      runId,
      runTags,
      asset,
      step,
      resources: options.resources,
      signal,
      clock,
      random: options.random ?? Math.random,
      sink,
      produced,
      loadInput: options.loadInput,
    });
    results.push(result);
    // A range step's output stands for each partition it covers.
    if (result.status === 'SUCCESS') for (const covered of coveredStepKeys(step)) produced.set(covered, value);
    if (result.status === 'FAILURE') {
      const failed = describeStep(step.assetKey, stepPartitionLabel(step));
      for (const covered of coveredStepKeys(step)) blockedBy.set(covered, result.failedCheck === undefined ? failed : `${failed} (check '${result.failedCheck}')`);
    }
    if (result.status === 'CANCELED') canceled = true;
  }

  const at = clock.now();
  const durationMs = at.getTime() - runStart;
  if (canceled) {
    await sink.send({ type: 'run:canceled', runId, at, durationMs });
    return { status: 'CANCELED', steps: results };
  }
  const failed = results.filter((result) => result.status === 'FAILURE');
  if (blockedBy.size > 0) {
    const message = `${failed.length} step(s) failed: ${failed.map((result) => result.error).join('; ')}`;
    await sink.send({ type: 'run:failed', runId, at, durationMs, message });
    return { status: 'FAILURE', steps: results };
  }
  await sink.send({ type: 'run:succeeded', runId, at, durationMs });
  return { status: 'SUCCESS', steps: results };
}

/** Sorts by graph position then partition time, and checks every step against its asset. */
function inTopologicalOrder(graph: AssetGraph, steps: readonly PlannedStep[]): PlannedStep[] {
  const position = new Map(graph.order.map((key, index) => [key, index]));
  for (const step of steps) {
    const asset = getAsset(graph, step.assetKey);
    if (asset.partitions) resolvePartition(asset, step.partition?.key);
    else if (step.partition) {
      throw new InvalidPartitionKeyError(`asset '${asset.key}' is unpartitioned but its step has partition '${step.partition.key}'`);
    }
  }
  return [...steps].sort(
    (a, b) =>
      (position.get(a.assetKey) ?? 0) - (position.get(b.assetKey) ?? 0) ||
      (a.partition?.start.getTime() ?? 0) - (b.partition?.start.getTime() ?? 0),
  );
}

function findBlocker(asset: AnyAsset, step: PlannedStep, blockedBy: ReadonlyMap<string, string>): string | undefined {
  if (blockedBy.size === 0) return undefined;
  let plans;
  try {
    plans = planInputs(asset, step.partition);
  } catch {
    // The step itself reports the mapping error when it runs.
    return undefined;
  }
  for (const source of plans.flatMap((plan) => plan.sources)) {
    const blocker = blockedBy.get(stepKey(source.upstream.key, source.partition));
    if (blocker !== undefined) return blocker;
  }
  return undefined;
}
