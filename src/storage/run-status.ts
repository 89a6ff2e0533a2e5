/**
 * The run lifecycle: QUEUED -> STARTING -> STARTED -> SUCCESS | FAILURE | CANCELED.
 * A queued or starting run may also be canceled, and a run whose worker dies while starting
 * may be failed by the monitor. Terminal statuses are final: a retry is a new run whose
 * `parent_run_id` points at the failed one.
 */
import type { RunStatus } from '../core/types.js';

export const RUN_STATUSES: readonly RunStatus[] = ['QUEUED', 'STARTING', 'STARTED', 'SUCCESS', 'FAILURE', 'CANCELED'];

const NEXT: Readonly<Record<RunStatus, readonly RunStatus[]>> = Object.freeze({
  QUEUED: ['STARTING', 'CANCELED'],
  STARTING: ['STARTED', 'FAILURE', 'CANCELED'],
  STARTED: ['SUCCESS', 'FAILURE', 'CANCELED'],
  SUCCESS: [],
  FAILURE: [],
  CANCELED: [],
});

export function isTerminalRunStatus(status: RunStatus): boolean {
  return NEXT[status].length === 0;
}

export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return NEXT[from].includes(to);
}

/** The statuses a run may be in to move to `to`; used as the compare in compare-and-set. */
export function statusesLeadingTo(to: RunStatus): RunStatus[] {
  return RUN_STATUSES.filter((from) => canTransition(from, to));
}
