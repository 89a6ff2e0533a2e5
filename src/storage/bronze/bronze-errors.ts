import { StrataError } from '../../core/errors.js';

/** A key or prefix that could escape the store or is not a clean `/`-separated relative path. */
export class BronzeKeyError extends StrataError {
  readonly key: string;

  constructor(key: string, reason: string) {
    super('BRONZE_KEY_INVALID', `invalid bronze key ${JSON.stringify(key)}: ${reason}`);
    this.key = key;
  }
}

export class BronzeNotFoundError extends StrataError {
  readonly key: string;

  constructor(key: string, options: { cause?: unknown } = {}) {
    super('BRONZE_NOT_FOUND', `bronze object not found: ${key}`, options);
    this.key = key;
  }
}

/** Misuse of a partition writer: put after commit, commit twice, commit with no files. */
export class BronzePartitionError extends StrataError {
  readonly prefix: string;

  constructor(prefix: string, message: string) {
    super('BRONZE_PARTITION_INVALID', `bronze partition ${prefix}: ${message}`);
    this.prefix = prefix;
  }
}
