import { describe, expect, it } from 'vitest';
import { InvalidPartitionKeyError, ValidationError } from '../../src/core/errors.js';
import {
  MAX_PARTITION_KEYS,
  dailyPartitions,
  dailyToSixHourly,
  identityMapping,
  partitionsByKind,
  sixHourlyPartitions,
} from '../../src/core/partitions.js';

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('sixHourlyPartitions', () => {
  it('parses a key into its UTC window', () => {
    const window = sixHourlyPartitions.parse('2026-11-23T06:00Z');
    expect(window.key).toBe('2026-11-23T06:00Z');
    expect(window.start.toISOString()).toBe('2026-11-23T06:00:00.000Z');
    expect(window.end.toISOString()).toBe('2026-11-23T12:00:00.000Z');
  });

  it.each(['2026-11-23T05:00Z', '2026-11-23T24:00Z', '2026-11-23T06:30Z', '2026-11-23', '2026-02-30T00:00Z', 'yesterday', ''])(
    'rejects %j naming the key and the format',
    (key) => {
      const error = errorOf(() => sixHourlyPartitions.parse(key));
      expect(error).toBeInstanceOf(InvalidPartitionKeyError);
      expect(error.message).toContain(`'${key}'`);
      expect(error.message).toContain('YYYY-MM-DDTHH:00Z');
      expect(error.message).toContain('00, 06, 12, 18');
    },
  );

  it('finds the window containing a time', () => {
    expect(sixHourlyPartitions.keyFor(new Date('2026-11-23T11:59:59.999Z'))).toBe('2026-11-23T06:00Z');
    expect(sixHourlyPartitions.keyFor(new Date('2026-11-23T12:00:00.000Z'))).toBe('2026-11-23T12:00Z');
    expect(sixHourlyPartitions.keyFor(new Date('2026-12-31T23:00:00Z'))).toBe('2026-12-31T18:00Z');
  });

  it('lists keys across a year boundary in order', () => {
    expect(sixHourlyPartitions.keysBetween('2026-12-31T12:00Z', '2027-01-01T06:00Z')).toEqual([
      '2026-12-31T12:00Z',
      '2026-12-31T18:00Z',
      '2027-01-01T00:00Z',
      '2027-01-01T06:00Z',
    ]);
  });

  it('rejects a range over the key cap', () => {
    // 100,000 six-hour windows is about 68 years.
    const error = errorOf(() => sixHourlyPartitions.keysBetween('1950-01-01T00:00Z', '2026-01-01T00:00Z'));
    expect(error).toBeInstanceOf(InvalidPartitionKeyError);
    expect(error.message).toContain(String(MAX_PARTITION_KEYS));
  });
});

describe('dailyPartitions', () => {
  it('parses a day into its UTC window', () => {
    const window = dailyPartitions.parse('2026-11-23');
    expect(window.start.toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(window.end.toISOString()).toBe('2026-11-24T00:00:00.000Z');
  });

  it.each(['2026-13-01', '2026-02-29', '2026-02-30', '2026-04-31', '2026-00-10', '2026-11-23T06:00Z', '26-11-23', 'yesterday'])(
    'rejects %j naming the key and the format',
    (key) => {
      const error = errorOf(() => dailyPartitions.parse(key));
      expect(error).toBeInstanceOf(InvalidPartitionKeyError);
      expect(error.message).toContain(`'${key}'`);
      expect(error.message).toContain('YYYY-MM-DD');
    },
  );

  it('accepts a leap day and counts it', () => {
    expect(dailyPartitions.parse('2028-02-29').end.toISOString()).toBe('2028-03-01T00:00:00.000Z');
    expect(dailyPartitions.keysBetween('2028-02-28', '2028-03-01')).toEqual(['2028-02-28', '2028-02-29', '2028-03-01']);
    expect(dailyPartitions.keysBetween('2026-02-28', '2026-03-01')).toEqual(['2026-02-28', '2026-03-01']);
  });

  it('lists keys across month and year boundaries', () => {
    expect(dailyPartitions.keysBetween('2026-12-30', '2027-01-02')).toEqual(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
    expect(dailyPartitions.keysBetween('2026-04-30', '2026-05-01')).toEqual(['2026-04-30', '2026-05-01']);
  });

  it('returns one key when from equals to', () => {
    expect(dailyPartitions.keysBetween('2026-11-23', '2026-11-23')).toEqual(['2026-11-23']);
  });

  it('rejects a reversed range naming both keys', () => {
    const error = errorOf(() => dailyPartitions.keysBetween('2026-11-24', '2026-11-23'));
    expect(error).toBeInstanceOf(InvalidPartitionKeyError);
    expect(error.message).toContain('2026-11-24');
    expect(error.message).toContain('2026-11-23');
  });

  it('finds the day containing a time', () => {
    expect(dailyPartitions.keyFor(new Date('2026-11-23T23:59:59.999Z'))).toBe('2026-11-23');
  });
});

describe('partition mappings', () => {
  it('dailyToSixHourly reads the four windows of the day in time order', () => {
    const day = dailyPartitions.parse('2026-12-31');
    expect(dailyToSixHourly.upstreamKeys(day, sixHourlyPartitions)).toEqual([
      '2026-12-31T00:00Z',
      '2026-12-31T06:00Z',
      '2026-12-31T12:00Z',
      '2026-12-31T18:00Z',
    ]);
  });

  it('dailyToSixHourly covers a leap day', () => {
    const keys = dailyToSixHourly.upstreamKeys(dailyPartitions.parse('2028-02-29'), sixHourlyPartitions);
    expect(keys[0]).toBe('2028-02-29T00:00Z');
    expect(keys[3]).toBe('2028-02-29T18:00Z');
  });

  it('identityMapping reads the same key and rejects another kind', () => {
    const window = sixHourlyPartitions.parse('2026-11-23T18:00Z');
    expect(identityMapping.upstreamKeys(window, sixHourlyPartitions)).toEqual(['2026-11-23T18:00Z']);
    expect(() => identityMapping.upstreamKeys(window, dailyPartitions)).toThrow(InvalidPartitionKeyError);
  });
});

describe('partitionsByKind', () => {
  it('finds each kind and rejects an unknown one', () => {
    expect(partitionsByKind('daily')).toBe(dailyPartitions);
    expect(partitionsByKind('six_hourly')).toBe(sixHourlyPartitions);
    expect(() => partitionsByKind('hourly')).toThrow(ValidationError);
    expect(() => partitionsByKind('toString')).toThrow(/unknown partitions kind 'toString'/);
  });
});
