/**
 * How many steps of one run may execute at once: the run's `strata/max_concurrent_steps` tag,
 * else STRATA_MAX_CONCURRENT_STEPS. Checked when the run is requested (prepareRun), so a bad
 * tag is a 400 naming it, never a run that fails later.
 */
import { ValidationError } from '../core/errors.js';
import { MAX_CONCURRENT_STEPS } from '../core/types.js';

export const MAX_CONCURRENT_STEPS_TAG = 'strata/max_concurrent_steps';

export function maxConcurrentStepsOf(tags: Readonly<Record<string, string>>, configured: number): number {
  const value = tags[MAX_CONCURRENT_STEPS_TAG];
  if (value === undefined) return configured;
  const limit = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CONCURRENT_STEPS) {
    throw new ValidationError(`tag ${MAX_CONCURRENT_STEPS_TAG} must be a whole number from 1 to ${MAX_CONCURRENT_STEPS}, got '${value}'`);
  }
  return limit;
}
