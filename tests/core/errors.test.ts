import { describe, expect, it } from 'vitest';
import { AssetMaterializationError, RetryableError, StepInputError, ValidationError, isRetryable } from '../../src/core/errors.js';

describe('AssetMaterializationError', () => {
  it('names the asset and partition, keeps the cause and its classification', () => {
    const cause = new ValidationError('bad row');
    const error = new AssetMaterializationError('silver/x', '2026-11-23T06:00Z', cause);
    expect(error.message).toBe('silver/x [2026-11-23T06:00Z]: bad row');
    expect(error.cause).toBe(cause);
    expect(error.retryable).toBe(false);
    expect(isRetryable(new AssetMaterializationError('silver/x', null, new RetryableError('HTTP_503', 'down')))).toBe(true);
    expect(isRetryable(new AssetMaterializationError('silver/x', null, new Error('unknown')))).toBe(true);
  });
});

describe('StepInputError', () => {
  it('is fatal and says which upstream partition', () => {
    const error = new StepInputError('silver/x', 'bronze/y', '2026-11-23', 'missing');
    expect(error.code).toBe('STEP_INPUT_INVALID');
    expect(isRetryable(error)).toBe(false);
    expect([error.assetKey, error.upstreamKey, error.upstreamPartition]).toEqual(['silver/x', 'bronze/y', '2026-11-23']);
  });
});
