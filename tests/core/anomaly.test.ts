/** Rolling median and MAD: the expected range, its floors, and the learning period. */
import { describe, expect, it } from 'vitest';
import { assessAnomaly, expectedRange, median } from '../../src/core/anomaly.js';

describe('anomaly detection', () => {
  it('takes the median of odd and even counts, and refuses none', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  it('ranges median ± 3.5 × 1.4826 × MAD, unmoved by one wild value in the history', () => {
    const history = [100, 102, 98, 101, 99, 100, 103, 97, 5_000];
    const range = expectedRange(history);
    expect(range?.median).toBe(100);
    expect(range?.mad).toBe(2);
    expect(range?.lower).toBeCloseTo(100 - 3.5 * 1.4826 * 2, 6);
    expect(range?.upper).toBeCloseTo(100 + 3.5 * 1.4826 * 2, 6);
    expect(range?.samples).toBe(9);
  });

  it('floors the spread at 2% of the median, so a steady series tolerates small changes', () => {
    const steady = Array.from({ length: 10 }, () => 250);
    expect(assessAnomaly('rows', 249, steady).passed).toBe(true);
    expect(assessAnomaly('rows', 250 + 3.5 * 5 + 1, steady).passed).toBe(false);
    expect(expectedRange(steady, { minAbsoluteSpread: 100 })?.upper).toBe(250 + 3.5 * 100);
  });

  it('flags an outlier with the expected range in its metadata and message', () => {
    const history = [250, 251, 249, 250, 252, 248, 250, 250];
    const result = assessAnomaly('rows', 25, history);
    expect(result.passed).toBe(false);
    expect(result.metadata).toMatchObject({ value: 25, median: 250, samples: 8, lower: expect.any(Number), upper: expect.any(Number) });
    expect(result.message).toMatch(/^rows 25 outside the expected range \[\d+, \d+\] \(median 250 of 8 materializations\)$/);
  });

  it('passes while it learns: fewer samples than minSamples prove nothing', () => {
    const result = assessAnomaly('rows', 1, [250, 250, 250]);
    expect(result).toEqual({ passed: true, message: 'rows 1: learning (3 of 8 samples)', metadata: { value: 1, samples: 3 } });
    expect(assessAnomaly('rows', 1, [250, 250, 250], { minSamples: 3 }).passed).toBe(false);
  });

  it('ignores non-finite history values', () => {
    expect(expectedRange([Number.NaN, Number.POSITIVE_INFINITY, 1, 2, 3], { minSamples: 3 })?.samples).toBe(3);
  });
});
