/**
 * A landed market-chart response into coin-days: the close is the day's last price point, the
 * cap and volume the day's last points, numbers exactly as sent; every unusable point is
 * quarantined with its reason and position, none dropped.
 */
import { describe, expect, it } from 'vitest';
import { chartDays } from '../../src/pipeline/history/chart-days.js';

const file = (json: string) => ({
  coinId: 'bitcoin',
  sourceFile: 'bitcoin/market_chart_2025-01-01_2025-01-02.json',
  firstDay: '2025-01-01',
  lastDay: '2025-01-02',
  body: Buffer.from(json),
});

const JAN1 = Date.UTC(2025, 0, 1);
const H = 3_600_000;

describe('chartDays', () => {
  it('keeps each day\'s last points, exactly, whatever their order in the response', () => {
    const body = `{"prices":[[${JAN1 + 23 * H},96114.08481738689],[${JAN1 + H},1.0e+5],[${JAN1 + 24 * H},-6.0e-05]],
      "market_caps":[[${JAN1 + H},1903746811536],[${JAN1 + 23 * H},1903746811537.5]],
      "total_volumes":[[${JAN1 + 23 * H + 5},20388876648.000]]}`;
    const { days, quarantined } = chartDays(file(body));
    expect(quarantined).toEqual([]);
    expect(days).toEqual([
      {
        coinId: 'bitcoin', day: '2025-01-01', priceUsd: '96114.08481738689', marketCapUsd: '1903746811537.5', totalVolumeUsd: '20388876648.000',
        points: 2, lastPointAt: JAN1 + 23 * H + 5, sourceFile: 'bitcoin/market_chart_2025-01-01_2025-01-02.json',
      },
      {
        coinId: 'bitcoin', day: '2025-01-02', priceUsd: '-6.0e-05', marketCapUsd: null, totalVolumeUsd: null,
        points: 1, lastPointAt: JAN1 + 24 * H, sourceFile: 'bitcoin/market_chart_2025-01-01_2025-01-02.json',
      },
    ]);
  });

  it('quarantines null, non-number and wrong-arity points and points outside the fetched days, with reasons', () => {
    const body = `{"prices":[[${JAN1},null],[${JAN1 + H},"96000.5"],[${JAN1 + 2 * H}],[${JAN1 + 3 * H},1,2],7,["x",1],[${JAN1 + 4 * H},96000.25],[${JAN1 + 48 * H},3]],
      "market_caps":[[${JAN1 + 4 * H},true]],"total_volumes":[]}`;
    const { days, quarantined } = chartDays(file(body));
    expect(days.map((day) => [day.day, day.priceUsd, day.marketCapUsd, day.points])).toEqual([['2025-01-01', '96000.25', null, 1]]);
    expect(quarantined.map((row) => [row.sourceRow, row.reason, row.rawJson])).toEqual([
      [0, 'prices[0]: value is null', `[${JAN1},null]`],
      [1, 'prices[1]: value is not a number (string)', `[${JAN1 + H},"96000.5"]`],
      [2, 'prices[2]: expected [timestamp, value], got 1 element', `[${JAN1 + 2 * H}]`],
      [3, 'prices[3]: expected [timestamp, value], got 3 elements', `[${JAN1 + 3 * H},1,2]`],
      [4, 'prices[4]: not a [timestamp, value] pair', '7'],
      [5, 'prices[5]: timestamp is not a whole number of milliseconds', '["x",1]'],
      [7, 'prices[7]: point at 2025-01-03T00:00:00.000Z is outside the fetched days 2025-01-01..2025-01-02', `[${JAN1 + 48 * H},3]`],
      [0, 'market_caps[0]: value is not a number (boolean)', `[${JAN1 + 4 * H},true]`],
    ]);
    expect(new Set(quarantined.map((row) => [row.coinId, row.sourceFile].join(' ')))).toEqual(new Set(['bitcoin bitcoin/market_chart_2025-01-01_2025-01-02.json']));
  });

  it('quarantines a response without the three series as one row, and fails on bytes that are not JSON', () => {
    const { days, quarantined } = chartDays(file('{"prices":[],"error":"coin not found"}'));
    expect(days).toEqual([]);
    expect(quarantined.map((row) => row.reason)).toEqual(['not a market chart: response has no market_caps, total_volumes arrays']);
    expect(() => chartDays(file('{"prices":[[1,'))).toThrow('bitcoin/market_chart_2025-01-01_2025-01-02.json: the landed response is not valid JSON');
  });
});
