/** One registry: every Strata error code and the HTTP status it answers with. */
export const HTTP_STATUS_BY_CODE: Readonly<Record<string, number>> = Object.freeze({
  VALIDATION_FAILED: 400,
  SELECTION_INVALID: 400,
  PARTITION_KEY_INVALID: 400,
  DEFINITION_INVALID: 400,
  ENGINE_UNSUPPORTED: 400,
  CURSOR_INVALID: 400,
  MUTATION_FORBIDDEN: 403,
  NOT_FOUND: 404,
  RUN_NOT_FOUND: 404,
  ASSET_NOT_FOUND: 404,
  BACKFILL_NOT_FOUND: 404,
  SCHEDULE_NOT_FOUND: 404,
  MART_NOT_FOUND: 404,
  COIN_NOT_FOUND: 404,
  RUN_TRANSITION_INVALID: 409,
  BACKFILL_STATE_INVALID: 409,
});

export function httpStatusFor(code: string): number {
  return HTTP_STATUS_BY_CODE[code] ?? 500;
}
