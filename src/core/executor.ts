import { InvalidPartitionKeyError } from './errors.js';
import { EventSink } from './event-sink.js';
import { type AssetGraph, getAsset } from './graph.js';
import { coveredStepKeys, plannedStepKey, stepPartitionLabel } from './partition-range.js';
import { type PlannedStep, resolvePartition } from './run-plan.js';
import { type StepResult, runStep } from './run-step.js';
import { stepWaitsFor } from './step-dependencies.js';
import type { LoadInput } from './step-inputs.js';
import { createStepLogger } from './step-logger.js';
import { describeStep, stepKey } from './step-key.js';
import type { Clock, Resources, RunEvent, RunStatus } from './types.js';

export { planRun } from './run-plan.js';
export type { PlannedStep } from './run-plan.js';
export type { StepResult } from './run-step.js';

/** Releases a pool slot; never rejects (a slot it could not free is freed when its run ends). */
export type ReleasePool = () => Promise<void>;

/** What `acquirePool` is asked for: one slot of `pool` for `step`. */
export interface PoolRequest {
  readonly pool: string;
  readonly step: PlannedStep;
  readonly signal: AbortSignal;
  /** Writes a line to the step's log (e.g. that it is waiting). */
  readonly log: (message: string) => void;
}

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
  /** Steps executing at once; default 1 (one at a time, in topological order). */
  readonly maxConcurrentSteps?: number;
  /**
   * Takes a slot of the named pool of a step's asset before the step starts; resolves with its
   * release, rejects with the signal's reason when the run is aborted meanwhile. Default: pools
   * are not limited.
   */
  readonly acquirePool?: (request: PoolRequest) => Promise<ReleasePool>;
  /**
   * Asked just before each step starts; throwing refuses it (the worker is shutting down): no
   * further step starts, the steps in flight end and are reported, then executeRun rejects
   * with that error.
   */
  readonly beforeStep?: (step: PlannedStep) => void;
}

export interface RunResult {
  readonly status: Extract<RunStatus, 'SUCCESS' | 'FAILURE' | 'CANCELED'>;
  readonly steps: readonly StepResult[];
}

const CANCELED_REASON = 'run canceled';

/**
 * Runs the steps, up to `maxConcurrentSteps` at once: a step starts when every step of this run
 * it reads from has succeeded (stepWaitsFor), ready steps in topological order. A failed step
 * skips everything downstream of it in this run while independent branches still run; an
 * aborted signal cancels the running steps and skips the rest. Rejects only for steps naming
 * unknown assets, when `emit` or `acquirePool` fails, or when `beforeStep` refuses a step; in
 * each case after the steps in flight have ended.
 */
export async function executeRun(options: ExecuteRunOptions): Promise<RunResult> {
  const { graph, runId, clock, signal } = options;
  // Frozen: asset code of one step must not change what the next one sees.
  const runTags = Object.freeze({ ...options.tags });
  const steps = inTopologicalOrder(graph, options.steps);
  // A range step stands for each partition it covers: downstream steps find it by any of them.
  const inRun = new Set(steps.flatMap(coveredStepKeys));
  const limit = Math.max(1, options.maxConcurrentSteps ?? 1);
  const sink = new EventSink(options.emit);
  const runStart = clock.now().getTime();
  await sink.send({ type: 'run:started', runId, at: clock.now() });

  const produced = new Map<string, unknown>();
  const succeeded = new Set<string>();
  // Step key -> the failed step that blocks it, so a skip names the root failure.
  const blockedBy = new Map<string, string>();
  const results: StepResult[] = [];
  const skipStep = async (step: PlannedStep, reason: string): Promise<void> => {
    const partition = stepPartitionLabel(step);
    await sink.send({ type: 'step:skipped', runId, at: clock.now(), assetKey: step.assetKey, partition, reason });
    results.push({ assetKey: step.assetKey, partition, status: 'SKIPPED', attempts: 0, durationMs: 0, error: reason });
  };

  let canceled = false;
  // The first error that ends the run by rejecting (emit, acquirePool, beforeStep).
  let fatal: { error: unknown } | undefined;
  const waiting = steps.map((step) => ({ step, key: plannedStepKey(step), waitsFor: stepWaitsFor(getAsset(graph, step.assetKey), step, inRun) }));
  const running = new Map<string, Promise<void>>();
  // Waits for pool slots also end when the run is about to reject: nothing would start after.
  const stopWaiting = new AbortController();
  const poolSignal = AbortSignal.any([signal, stopWaiting.signal]);
  const fail = (error: unknown): void => {
    fatal ??= { error };
    stopWaiting.abort(error);
  };

  const execute = async (step: PlannedStep, key: string): Promise<void> => {
    const asset = getAsset(graph, step.assetKey);
    let release: ReleasePool | undefined;
    try {
      if (asset.pool !== undefined && options.acquirePool !== undefined) {
        const log = createStepLogger(sink, clock, { runId, assetKey: asset.key, partition: stepPartitionLabel(step) });
        try {
          release = await options.acquirePool({ pool: asset.pool, step, signal: poolSignal, log: (message) => log.info(message) });
        } catch (error) {
          if (!signal.aborted) {
            if (fatal) return;
            throw error;
          }
          canceled = true;
          await skipStep(step, CANCELED_REASON);
          return;
        }
      }
      if (fatal) return;
      options.beforeStep?.(step);
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
      if (result.status === 'SUCCESS') {
        // A range step's output stands for each partition it covers.
        for (const covered of coveredStepKeys(step)) {
          produced.set(covered, value);
          succeeded.add(covered);
        }
      }
      if (result.status === 'FAILURE') {
        const failed = describeStep(step.assetKey, stepPartitionLabel(step));
        const blocker = result.failedCheck === undefined ? failed : `${failed} (check '${result.failedCheck}')`;
        for (const covered of coveredStepKeys(step)) blockedBy.set(covered, blocker);
      }
      if (result.status === 'CANCELED') canceled = true;
    } finally {
      await release?.();
    }
  };

  // Decides every waiting step that can be decided now, in order: skip it, start it, or leave it.
  const advance = async (): Promise<void> => {
    for (let index = 0; index < waiting.length && !fatal; ) {
      const { step, key, waitsFor } = waiting[index]!;
      const decided = (): void => void waiting.splice(index, 1);
      if (signal.aborted || canceled) {
        canceled = true;
        decided();
        await skipStep(step, CANCELED_REASON);
        continue;
      }
      if (options.skip?.has(key)) {
        decided();
        for (const covered of coveredStepKeys(step)) succeeded.add(covered);
        await skipStep(step, 'already succeeded in an earlier run');
        continue;
      }
      const blocker = waitsFor.map((upstream) => blockedBy.get(upstream)).find((found) => found !== undefined);
      if (blocker !== undefined) {
        decided();
        for (const covered of coveredStepKeys(step)) blockedBy.set(covered, blocker);
        await skipStep(step, `upstream ${blocker} failed`);
        continue;
      }
      if (running.size < limit && waitsFor.every((upstream) => succeeded.has(upstream))) {
        decided();
        const task = execute(step, key)
          .catch(fail)
          .finally(() => running.delete(key));
        running.set(key, task);
        continue;
      }
      index += 1;
    }
  };

  try {
    await advance();
    while (running.size > 0) {
      // Cancel reaches running steps through the signal; waiting ones are skipped as they end.
      await Promise.race(running.values());
      await advance();
    }
  } catch (error) {
    // A skip event could not be delivered: let the steps in flight end first.
    fail(error);
    await Promise.allSettled([...running.values()]);
  }
  if (fatal) throw fatal.error;
  // Reported in plan order, however the steps interleaved.
  const position = new Map(steps.map((step, index) => [plannedStepKey(step), index]));
  results.sort((a, b) => (position.get(stepKey(a.assetKey, a.partition)) ?? 0) - (position.get(stepKey(b.assetKey, b.partition)) ?? 0));

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
