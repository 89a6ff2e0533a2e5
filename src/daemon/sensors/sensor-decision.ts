/**
 * From what user code did to the evaluation to store: a throw or timeout, a malformed result,
 * or a request that cannot make a run is 'failed' (nothing requested, cursor kept); otherwise
 * 'requested' when it asked for runs, else 'skipped' with its reason.
 */
import type { Runtime } from '../../runtime.js';
import type { EvaluationToStore } from '../../storage/sensor-commit.js';
import type { SensorLogLine } from '../../storage/sensor-tables.js';
import type { UserCallOutcome } from './call-with-timeout.js';
import { prepareSensorRuns } from './sensor-requests.js';
import { parseSensorResult } from './sensor-result.js';

export interface DecisionInput {
  readonly sensorName: string;
  readonly outcome: UserCallOutcome;
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly cursorBefore: string | null;
  readonly logs: readonly SensorLogLine[];
  /** Run-status sensors keep their own cursor (the watermark): a returned cursor is not theirs to move. */
  readonly ownsCursor: boolean;
}

export function decideEvaluation(runtime: Runtime, input: DecisionInput): EvaluationToStore {
  const base = { startedAt: input.startedAt, endedAt: input.endedAt, cursorBefore: input.cursorBefore, logs: input.logs };
  const failed = (error: string): EvaluationToStore => ({ ...base, outcome: 'failed', skipReason: null, error, cursorAfter: input.cursorBefore, runs: [] });
  if (!input.outcome.ok) return failed(input.outcome.error);
  const parsed = parseSensorResult(input.outcome.value);
  if (!parsed.ok) return failed(parsed.reason);
  const prepared = prepareSensorRuns(runtime, input.sensorName, parsed.result.runRequests ?? []);
  if (!prepared.ok) return failed(prepared.reason);
  const { runs } = prepared;
  return {
    ...base,
    outcome: runs.length > 0 ? 'requested' : 'skipped',
    skipReason: parsed.result.skipReason ?? (runs.length > 0 ? null : 'no run requests'),
    error: null,
    cursorAfter: input.ownsCursor ? (parsed.result.cursor ?? input.cursorBefore) : input.cursorBefore,
    runs,
  };
}
