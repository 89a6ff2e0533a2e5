import type { AnyAsset } from './asset.js';
import { AssetMaterializationError, StepInputError, ValidationError, describeError, isRetryable } from './errors.js';
import type { EventSink } from './event-sink.js';
import { backoffDelay } from './retry.js';
import { materializedKeys, stepPartitionLabel } from './partition-range.js';
import type { PlannedStep } from './run-plan.js';
import { type LoadInput, loadInputs } from './step-inputs.js';
import { type CheckOutcome, evaluateChecks } from './run-checks.js';
import { createStepLogger } from './step-logger.js';
import type { AssetKey, Clock, Metadata, Resources, RunInfo, StepStatus } from './types.js';

export interface StepResult {
  readonly assetKey: AssetKey;
  readonly partition: string | null;
  readonly status: Extract<StepStatus, 'SUCCESS' | 'FAILURE' | 'SKIPPED' | 'CANCELED'>;
  /** Attempts started; 0 for a skipped step. */
  readonly attempts: number;
  readonly durationMs: number;
  readonly error?: string;
  readonly metadata?: Metadata;
  /** The asset's checks as evaluated after its materialization, in definition order; absent when it has none. */
  readonly checks?: readonly CheckOutcome[];
  /** The `error` check that failed the step, if one did. */
  readonly failedCheck?: string;
}

export interface StepRun {
  readonly runId: string;
  readonly runTags: RunInfo['tags'];
  readonly asset: AnyAsset;
  readonly step: PlannedStep;
  readonly resources: Resources;
  readonly signal: AbortSignal;
  readonly clock: Clock;
  readonly random: () => number;
  readonly sink: EventSink;
  readonly produced: ReadonlyMap<string, unknown>;
  readonly loadInput: LoadInput;
}

type Attempt = { ok: true; value: unknown; metadata: Metadata } | { ok: false; error: unknown };

/** Runs one step, retrying per the asset's policy; emits its events. Rejects only when emitting fails. */
export async function runStep(run: StepRun): Promise<{ result: StepResult; value?: unknown }> {
  const { asset, clock, sink, signal } = run;
  const where = { runId: run.runId, assetKey: asset.key, partition: stepPartitionLabel(run.step) };
  const stepStart = clock.now().getTime();
  const finish = (status: StepResult['status'], attempts: number, extra: Partial<StepResult> = {}): StepResult => ({
    assetKey: where.assetKey,
    partition: where.partition,
    status,
    attempts,
    durationMs: clock.now().getTime() - stepStart,
    ...extra,
  });
  const cancel = async (attempt: number): Promise<{ result: StepResult }> => {
    const message = `canceled: ${describeError(signal.reason)}`;
    await sink.send({ type: 'step:failed', ...where, at: clock.now(), attempt, message, retryable: false, willRetry: false, retryInMs: null });
    return { result: finish('CANCELED', attempt, { error: message }) };
  };

  for (let attempt = 1; ; attempt++) {
    await sink.send({ type: 'step:started', ...where, at: clock.now(), attempt });
    const attemptStart = clock.now().getTime();
    const outcome = await attemptOnce(run, attempt);
    if (outcome.ok) {
      const at = clock.now();
      const { value, metadata } = outcome;
      const durationMs = at.getTime() - attemptStart;
      // A range step stands for each partition it covers: one materialization per key.
      const range = run.step.range === undefined ? {} : { range: where.partition as string };
      for (const partition of materializedKeys(run.step)) {
        await sink.send({ type: 'asset:materialized', ...where, partition, ...range, at, value, metadata, durationMs });
      }
      const checks = await evaluateChecks(run, value, metadata, durationMs);
      const blocking = checks.find((check) => check.severity === 'error' && !check.passed);
      if (blocking !== undefined) {
        // The data is written but not trusted: a retry would produce the same, so none is made.
        const message = `check '${blocking.check}' failed: ${blocking.message ?? 'no message'}`;
        await sink.send({ type: 'step:failed', ...where, at: clock.now(), attempt, message, retryable: false, willRetry: false, retryInMs: null });
        return { result: finish('FAILURE', attempt, { error: message, metadata, checks, failedCheck: blocking.check }) };
      }
      const result = finish('SUCCESS', attempt, checks.length > 0 ? { metadata, checks } : { metadata });
      await sink.send({ type: 'step:succeeded', ...where, at: clock.now(), durationMs: result.durationMs });
      return { result, value };
    }
    // Whatever asset code throws once the run is aborted is the cancel surfacing.
    if (signal.aborted) return cancel(attempt);
    const error = outcome.error;
    const message = describeError(error);
    const retryable = isRetryable(error);
    const willRetry = retryable && attempt <= asset.retry.maxRetries;
    const retryInMs = willRetry ? backoffDelay(asset.retry, attempt, run.random) : null;
    await sink.send({ type: 'step:failed', ...where, at: clock.now(), attempt, message, retryable, willRetry, retryInMs });
    if (retryInMs === null) return { result: finish('FAILURE', attempt, { error: message }) };
    try {
      await clock.sleep(retryInMs, signal);
    } catch (sleepError) {
      if (signal.aborted) return cancel(attempt);
      throw sleepError;
    }
  }
}

async function attemptOnce(run: StepRun, attempt: number): Promise<Attempt> {
  const { asset, step } = run;
  const partitionKey = stepPartitionLabel(step);
  try {
    const inputs = await loadInputs(asset, step.partition, run.produced, run.loadInput);
    const result = await asset.materialize({
      runId: run.runId,
      run: { id: run.runId, tags: run.runTags },
      assetKey: asset.key,
      partition: step.partition,
      partitionRange: step.range,
      inputs,
      signal: run.signal,
      log: createStepLogger(run.sink, run.clock, { runId: run.runId, assetKey: asset.key, partition: partitionKey }),
      resources: run.resources,
      clock: run.clock,
      attempt,
    });
    // A missing value could not be told apart from "never materialized" when loaded later.
    if (result === null || typeof result !== 'object' || result.value === undefined) {
      throw new ValidationError('materialize must return { value, metadata? } with a defined value');
    }
    return { ok: true, value: result.value, metadata: result.metadata ?? {} };
  } catch (error) {
    if (error instanceof StepInputError) return { ok: false, error };
    return { ok: false, error: new AssetMaterializationError(asset.key, partitionKey, error) };
  }
}
