/**
 * The checkpoint's gap rule: a covered day is not fetched; otherwise one fetch from the day
 * after the newest load ending before it, through the day, at most 365 days; loads after the
 * day and loads that end before an older one do not move the start.
 */
import { describe, expect, it } from 'vitest';
import { MAX_FETCH_DAYS, gapEndingAt } from '../../src/pipeline/history/index.js';

describe('gapEndingAt', () => {
  it('fetches the day alone for a coin with no loads', () => {
    expect(gapEndingAt([], '2025-01-20')).toEqual({ firstDay: '2025-01-20', lastDay: '2025-01-20' });
  });

  it('fetches nothing for a day any load covers, at either end or inside', () => {
    const loads = [{ firstDay: '2025-01-01', lastDay: '2025-01-10' }];
    for (const day of ['2025-01-01', '2025-01-05', '2025-01-10']) expect(gapEndingAt(loads, day)).toBeUndefined();
  });

  it('catches up from the day after the newest load that ended before the day', () => {
    const loads = [
      { firstDay: '2025-01-01', lastDay: '2025-01-03' },
      { firstDay: '2025-01-04', lastDay: '2025-01-06' },
      { firstDay: '2025-02-01', lastDay: '2025-02-01' },
    ];
    expect(gapEndingAt(loads, '2025-01-20')).toEqual({ firstDay: '2025-01-07', lastDay: '2025-01-20' });
    expect(gapEndingAt(loads, '2025-01-07')).toEqual({ firstDay: '2025-01-07', lastDay: '2025-01-07' });
  });

  it('caps a gap at 365 days ending at the day, across a year boundary and a leap day', () => {
    expect(MAX_FETCH_DAYS).toBe(365);
    const loads = [{ firstDay: '2022-06-01', lastDay: '2022-06-01' }];
    expect(gapEndingAt(loads, '2024-03-01')).toEqual({ firstDay: '2023-03-03', lastDay: '2024-03-01' });
    // Exactly 365 days after the load: not capped.
    expect(gapEndingAt([{ firstDay: '2023-12-31', lastDay: '2023-12-31' }], '2024-12-30')).toEqual({ firstDay: '2024-01-01', lastDay: '2024-12-30' });
  });
});
