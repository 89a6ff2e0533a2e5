import type { CheckResult, CheckSeverity } from './check.js';
import { describeError } from './errors.js';
import { stepPartitionLabel } from './partition-range.js';
import type { StepRun } from './run-step.js';
import { createStepLogger } from './step-logger.js';
import type { Metadata } from './types.js';

/** One check's result as the step reports it. */
export interface CheckOutcome {
  readonly check: string;
  readonly severity: CheckSeverity;
  readonly passed: boolean;
  readonly message: string | null;
}

/**
 * Evaluates the asset's checks in order and emits `check:evaluated` for each. A check that
 * throws has failed (its message says so): a rule that cannot be evaluated proves nothing.
 */
export async function evaluateChecks(run: StepRun, value: unknown, metadata: Metadata, durationMs: number): Promise<CheckOutcome[]> {
  const { asset, clock, sink } = run;
  const partition = stepPartitionLabel(run.step);
  const where = { runId: run.runId, assetKey: asset.key, partition };
  const outcomes: CheckOutcome[] = [];
  for (const check of asset.checks) {
    let result: CheckResult;
    try {
      result = await check.evaluate({
        runId: run.runId,
        assetKey: asset.key,
        partition: run.step.partition,
        value,
        metadata,
        durationMs,
        resources: run.resources,
        signal: run.signal,
        log: createStepLogger(sink, clock, where),
        clock,
      });
    } catch (error) {
      result = { passed: false, message: `evaluation threw: ${describeError(error)}` };
    }
    const outcome: CheckOutcome = { check: check.name, severity: check.severity, passed: result.passed === true, message: result.message ?? null };
    await sink.send({ type: 'check:evaluated', ...where, at: clock.now(), ...outcome, metadata: result.metadata ?? {} });
    outcomes.push(outcome);
  }
  return outcomes;
}
