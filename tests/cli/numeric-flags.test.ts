/**
 * Every numeric flag of the CLI refuses a negative, fractional, non-numeric or out-of-range value
 * with a message naming the flag and its range; a negative value reaches that check instead of
 * parseArgs's "argument is ambiguous". (tests/config-messages.test.ts runs two as processes.)
 */
import { describe, expect, it } from 'vitest';
import { joinNegativeValues, NUMERIC_FLAGS, parseNumericFlag, type NumericFlag } from '../../src/cli/numeric-flags.js';

const RANGES: Record<NumericFlag, string> = {
  limit: 'a whole number from 1 to 1,000',
  concurrency: 'a whole number from 1 to 1,000',
  chunk: 'a whole number from 1 to 10,000',
  port: 'a port number from 0 to 65,535',
  coins: 'a whole number from 1 to 100,000',
};

describe('numeric flags', () => {
  it('the table covers every numeric flag', () => {
    expect(Object.keys(RANGES).sort()).toEqual(Object.keys(NUMERIC_FLAGS).sort());
  });

  const cases = (Object.keys(NUMERIC_FLAGS) as NumericFlag[]).flatMap((flag) => {
    const { min, max } = NUMERIC_FLAGS[flag];
    return ['-3', 'abc', '1.5', '', '1e3', String(min - 1), String(max + 1)].map((text) => [flag, text] as const);
  });
  it.each(cases)('--%s %j: names the flag, its range and the value', (flag, text) => {
    expect(() => parseNumericFlag(flag, text)).toThrow(`--${flag}: expected ${RANGES[flag]}, got '${text}'`);
  });

  it.each(Object.keys(NUMERIC_FLAGS) as NumericFlag[])('--%s accepts both ends of its range', (flag) => {
    const { min, max } = NUMERIC_FLAGS[flag];
    expect(parseNumericFlag(flag, String(min))).toBe(min);
    expect(parseNumericFlag(flag, String(max))).toBe(max);
  });

  it('a negative value after a numeric flag is joined to it, so the flag check sees it', () => {
    expect(joinNegativeValues(['runs', '--limit', '-3', '--json'])).toEqual(['runs', '--limit=-3', '--json']);
    expect(joinNegativeValues(['backfill', 'x', '--chunk', '-0.5'])).toEqual(['backfill', 'x', '--chunk=-0.5']);
    // Not a numeric flag, or not a number: left for parseArgs.
    expect(joinNegativeValues(['materialize', '--partition', '-1', '--limit', '--json'])).toEqual(['materialize', '--partition', '-1', '--limit', '--json']);
  });
});
