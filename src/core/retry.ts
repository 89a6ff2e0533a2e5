import type { RetryPolicy } from './types.js';

/**
 * The delay before the attempt after `attempt` (1 = the first attempt failed):
 * `initialDelayMs * factor^(attempt-1)`, capped at `maxDelayMs`, of which the `jitter` share is
 * scaled by `random()` so workers failing together do not retry together.
 * Pure: pass `Math.random` in production and a constant in tests.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`backoff attempt must be an integer >= 1, got ${attempt}`);
  }
  const exponential = policy.initialDelayMs * Math.pow(policy.factor, attempt - 1);
  const capped = Math.max(0, Math.min(policy.maxDelayMs, exponential));
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  const unit = Math.min(1, Math.max(0, random()));
  return Math.round(capped * (1 - jitter) + capped * jitter * unit);
}
