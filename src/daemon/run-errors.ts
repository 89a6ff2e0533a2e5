/** Why the queue stops a run: each is an AbortSignal reason or a refusal, with a stable code. */
import { StrataError } from '../core/errors.js';
import type { RunStatus } from '../core/types.js';
import { IllegalRunTransitionError } from '../storage/index.js';

/** Abort reason when an operator canceled the run (`strata cancel`, the API). */
export class RunCanceledError extends StrataError {
  constructor(runId: string) {
    super('RUN_CANCELED', `run ${runId} canceled on request`);
  }
}

/**
 * Abort reason (or refusal to start the next step) when the worker shuts down. The run ends
 * FAILURE and a retry that resumes from failure is queued: the run did nothing wrong.
 */
export class RunInterruptedError extends StrataError {
  constructor(message: string) {
    super('RUN_INTERRUPTED', message, { retryable: true });
  }
}

/** Abort reason when the run is no longer this worker's (the monitor failed it after missed heartbeats). */
export class RunLostError extends StrataError {
  constructor(runId: string, workerId: string) {
    super('RUN_LOST', `run ${runId} is no longer held by worker ${workerId}`);
  }
}

/** Cancel of a run that already ended; the same code (HTTP 409) as any illegal transition. */
export class RunNotCancelableError extends IllegalRunTransitionError {
  constructor(runId: string, status: RunStatus) {
    super(runId, status, 'CANCELED');
    this.message = `run ${runId} is already ${status}: only a QUEUED, STARTING or STARTED run can be canceled`;
  }
}
