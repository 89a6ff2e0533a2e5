/**
 * The runs one evaluation requests: one per partition key, selecting every automated asset
 * requested in that partition (an eager chain's steps then run in one run, in order). Each
 * is validated like any run request before the transaction that stores it; a group the queue
 * refuses (a partition a 'current'-only source cannot serve) requests nothing and says why.
 */
import { describeError } from '../../core/errors.js';
import type { Runtime } from '../../runtime.js';
import type { CreateRunInput } from '../../storage/index.js';
import { prepareRun } from '../execute-run.js';
import type { PartitionOutcome } from './evaluate-partitions.js';

export interface PlannedRun {
  readonly partitionKey: string;
  readonly outcomes: readonly PartitionOutcome[];
  readonly input: CreateRunInput & { readonly assetKeys: readonly string[] };
}

export interface RunPlan {
  readonly runs: readonly PlannedRun[];
  /** Requested outcomes that could not become a run, each with its replacement (the stored reason says why). */
  readonly refused: readonly { readonly original: PartitionOutcome; readonly refused: PartitionOutcome }[];
}

/** `automation:<evaluation>:<partition>`: unique, so storing the run twice keeps one. */
export function automationRunKey(evaluationId: number, partitionKey: string): string {
  return `automation:${evaluationId}:${partitionKey === '' ? 'unpartitioned' : partitionKey}`;
}

export function planAutomationRuns(runtime: Runtime, outcomes: readonly PartitionOutcome[], evaluationId: number): RunPlan {
  const groups = new Map<string, PartitionOutcome[]>();
  for (const outcome of outcomes) {
    if (!outcome.request) continue;
    groups.set(outcome.partitionKey, [...(groups.get(outcome.partitionKey) ?? []), outcome]);
  }
  const runs: PlannedRun[] = [];
  const refused: { original: PartitionOutcome; refused: PartitionOutcome }[] = [];
  for (const [partitionKey, group] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    try {
      const input = prepareRun(runtime, {
        selection: group.map((outcome) => outcome.assetKey).join(','),
        ...(partitionKey === '' ? {} : { partitionKey }),
        trigger: 'automation',
        tags: { automation_evaluation: String(evaluationId) },
        runKey: automationRunKey(evaluationId, partitionKey),
      });
      runs.push({ partitionKey, outcomes: group, input: { ...input, assetKeys: input.assetKeys ?? [] } });
    } catch (error) {
      const why = describeError(error);
      refused.push(...group.map((outcome) => ({ original: outcome, refused: { ...outcome, request: false, reason: `${outcome.reason}; no run requested: ${why}` } })));
    }
  }
  return { runs, refused };
}
