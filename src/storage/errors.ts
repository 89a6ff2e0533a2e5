/** Storage errors; each has a stable code that the HTTP layer maps to a status. */
import { StrataError } from '../core/errors.js';
import type { RunStatus } from '../core/types.js';

export class RunNotFoundError extends StrataError {
  readonly runId: string;

  constructor(runId: string) {
    super('RUN_NOT_FOUND', `run ${runId} not found`);
    this.runId = runId;
  }
}

export class IllegalRunTransitionError extends StrataError {
  readonly runId: string;
  readonly from: RunStatus;
  readonly to: RunStatus;

  constructor(runId: string, from: RunStatus, to: RunStatus) {
    super('RUN_TRANSITION_INVALID', `run ${runId}: illegal status transition ${from} -> ${to}`);
    this.runId = runId;
    this.from = from;
    this.to = to;
  }
}

/** A migration failed; the transaction it ran in was rolled back. `cause` is the database error. */
export class MigrationError extends StrataError {
  readonly migrationName: string | undefined;

  constructor(migrationName: string | undefined, cause: unknown) {
    const what = migrationName === undefined ? 'migration setup' : `migration ${migrationName}`;
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('MIGRATION_FAILED', `${what} failed: ${reason}`, { cause });
    this.migrationName = migrationName;
  }
}
