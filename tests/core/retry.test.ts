import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/core/retry.js';
import type { RetryPolicy } from '../../src/core/types.js';

const policy: RetryPolicy = { maxRetries: 5, initialDelayMs: 1_000, maxDelayMs: 10_000, factor: 2, jitter: 0 };

describe('backoffDelay', () => {
  it('grows exponentially without jitter', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(policy, attempt, () => 0.5))).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it('is capped at maxDelayMs, even for huge attempts', () => {
    expect(backoffDelay(policy, 5, () => 0)).toBe(10_000);
    expect(backoffDelay(policy, 5_000, () => 0)).toBe(10_000);
  });

  it('keeps jittered delays between (1 - jitter) and 1 times the capped delay', () => {
    const jittered = { ...policy, jitter: 0.5 };
    expect(backoffDelay(jittered, 2, () => 0)).toBe(1_000);
    expect(backoffDelay(jittered, 2, () => 0.999_999)).toBe(2_000);
    expect(backoffDelay(jittered, 2, () => 0.5)).toBe(1_500);
    expect(backoffDelay(jittered, 10, () => 0.999_999)).toBe(10_000);
  });

  it('spreads delays over the whole range with full jitter', () => {
    const full = { ...policy, jitter: 1 };
    expect(backoffDelay(full, 1, () => 0)).toBe(0);
    expect(backoffDelay(full, 1, () => 0.25)).toBe(250);
  });

  it('clamps a random source outside [0, 1)', () => {
    const jittered = { ...policy, jitter: 1 };
    expect(backoffDelay(jittered, 1, () => 7)).toBe(1_000);
    expect(backoffDelay(jittered, 1, () => -1)).toBe(0);
  });

  it('rejects attempt numbers below 1', () => {
    expect(() => backoffDelay(policy, 0, Math.random)).toThrow(RangeError);
    expect(() => backoffDelay(policy, 1.5, Math.random)).toThrow(RangeError);
  });
});
