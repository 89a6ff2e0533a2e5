import { StrataError } from '../core/errors.js';

export class BackfillNotFoundError extends StrataError {
  constructor(id: string) {
    super('BACKFILL_NOT_FOUND', `backfill ${id} not found`);
  }
}

/** The backfill's status does not allow the request (cancel a finished one, re-execute a canceled one). */
export class BackfillStateError extends StrataError {
  constructor(message: string) {
    super('BACKFILL_STATE_INVALID', message);
  }
}
