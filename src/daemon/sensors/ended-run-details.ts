/** What a run-status sensor is told about an ended run: which outcome it matched, its failed steps and checks. */
import type { EndedRun, FailedCheck, FailedStep, RunOutcome } from '../../core/run-status-sensor.js';
import type { Kysely } from 'kysely';
import { stepsForRun, type Run } from '../../storage/index.js';
import type { Database } from '../../storage/schema.js';

export interface EndedRunDetails {
  readonly run: EndedRun;
  readonly failedSteps: readonly FailedStep[];
  readonly failedChecks: readonly FailedCheck[];
}

export async function endedRunDetails(db: Kysely<Database>, run: Run): Promise<EndedRunDetails> {
  const steps = run.status === 'FAILURE' ? await stepsForRun(db, run.id) : [];
  const checks = await db
    .selectFrom('strata.check_results')
    .select(['asset_key', 'partition_key', 'check_name', 'severity', 'message'])
    .where('run_id', '=', run.id)
    .where('passed', '=', false)
    .orderBy('id')
    .execute();
  return {
    run: Object.freeze({
      id: run.id,
      status: run.status,
      trigger: run.trigger,
      selection: run.selection,
      partitionKey: run.partitionKey,
      tags: run.tags,
      runKey: run.runKey,
      attempt: run.attempt,
      error: run.error,
      createdAt: run.createdAt,
      startedAt: run.startedAt,
      // Only ended runs are offered.
      endedAt: run.endedAt ?? run.createdAt,
    }),
    failedSteps: steps
      .filter((step) => step.status === 'FAILURE')
      .map((step) => ({ assetKey: step.assetKey, partition: step.partitionKey, error: step.error ?? '(no error recorded)' })),
    failedChecks: checks.map((check) => ({
      assetKey: check.asset_key,
      partition: check.partition_key === '' ? null : check.partition_key,
      checkName: check.check_name,
      blocking: check.severity === 'error',
      message: check.message ?? '',
    })),
  };
}

/** The outcome among those watched that the run matched: a failed blocking check is the more specific one. */
export function matchedOutcome(details: EndedRunDetails, on: readonly RunOutcome[]): RunOutcome | undefined {
  const { status } = details.run;
  if (status === 'SUCCESS') return on.includes('success') ? 'success' : undefined;
  if (status === 'CANCELED') return on.includes('canceled') ? 'canceled' : undefined;
  if (status !== 'FAILURE') return undefined;
  if (on.includes('blocking_check_failed') && details.failedChecks.some((check) => check.blocking)) return 'blocking_check_failed';
  return on.includes('failure') ? 'failure' : undefined;
}
