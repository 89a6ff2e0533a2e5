/**
 * Every Strata error has a stable `code`; the HTTP layer maps codes to statuses in one place.
 * Failures are classified: `retryable` ones (timeouts, 429, 5xx, serialization failures) may
 * succeed on another attempt, fatal ones (4xx, validation, bad definitions) will not.
 */
import type { DefinitionSite } from './definition-site.js';

export class StrataError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/**
 * A bad asset definition or graph: unknown dependency, duplicate key, cycle. `site` is where the
 * offending definition was written, when known (see definition-site.ts).
 */
export class DefinitionError extends StrataError {
  readonly site: DefinitionSite | undefined;

  constructor(message: string, options: { site?: DefinitionSite | undefined; cause?: unknown } = {}) {
    super('DEFINITION_INVALID', message, { cause: options.cause });
    this.site = options.site;
  }
}

export class InvalidPartitionKeyError extends StrataError {
  constructor(message: string) {
    super('PARTITION_KEY_INVALID', message);
  }
}

/**
 * A run asked for a partition that its assets cannot serve now (servable-partitions.ts): one
 * that has not started (`PARTITION_NOT_STARTED`), or not the current one for an asset whose
 * source serves only the present (`PARTITION_NOT_CURRENT`). The message says what to do instead.
 */
export class PartitionNotServableError extends StrataError {
  declare readonly code: PartitionNotServableCode;

  constructor(code: PartitionNotServableCode, message: string) {
    super(code, message);
  }
}

export type PartitionNotServableCode = 'PARTITION_NOT_STARTED' | 'PARTITION_NOT_CURRENT';

export class InvalidSelectionError extends StrataError {
  constructor(message: string) {
    super('SELECTION_INVALID', message);
  }
}

/** Input that failed validation at an edge (source response, CLI argument, API body). */
export class ValidationError extends StrataError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('VALIDATION_FAILED', message, options);
  }
}

/** A failure that another attempt may fix. */
export class RetryableError extends StrataError {
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { ...options, retryable: true });
  }
}

/** An error thrown by asset code, wrapped with the asset key and partition; keeps the cause. */
export class AssetMaterializationError extends StrataError {
  readonly assetKey: string;
  readonly partition: string | null;

  constructor(assetKey: string, partition: string | null, cause: unknown) {
    const where = partition === null ? assetKey : `${assetKey} [${partition}]`;
    super('ASSET_FAILED', `${where}: ${describeError(cause)}`, { cause, retryable: isRetryable(cause) });
    this.assetKey = assetKey;
    this.partition = partition;
  }
}

/** An upstream output a step needs is missing or fails the upstream's `output` schema. */
export class StepInputError extends StrataError {
  readonly assetKey: string;
  readonly upstreamKey: string;
  readonly upstreamPartition: string | null;

  constructor(assetKey: string, upstreamKey: string, upstreamPartition: string | null, message: string) {
    super('STEP_INPUT_INVALID', message);
    this.assetKey = assetKey;
    this.upstreamKey = upstreamKey;
    this.upstreamPartition = upstreamPartition;
  }
}

/** Unknown errors from asset code are retried by the asset's policy; classified ones say for themselves. */
export function isRetryable(error: unknown): boolean {
  return error instanceof StrataError ? error.retryable : true;
}


export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
