import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toPlainDecimal } from '../../src/pipeline/sources/decimal-text.js';
import {
  JsonNumber,
  JsonSyntaxError,
  parseLosslessJson,
  splitJsonArray,
  stringifyLosslessJson,
  type JsonValue,
} from '../../src/pipeline/sources/lossless-json.js';
import { FIXTURES_DIR, MARKETS_RAW, fixtureText } from './fixtures.js';

/** What JSON.parse would have produced, to check structure and strings agree with it. */
function toPlain(value: JsonValue): unknown {
  if (value instanceof JsonNumber) return Number(value.source);
  if (Array.isArray(value)) return value.map(toPlain);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
  return value;
}

describe('parseLosslessJson', () => {
  it('keeps number tokens exactly as written', () => {
    const parsed = parseLosslessJson('[-6.0e-05, 1.0e+15, 19822040.0, 96114.08481738689, 0, -0, 3.2014e-8, 1E400]');
    expect((parsed as JsonNumber[]).map((n) => n.source)).toEqual([
      '-6.0e-05',
      '1.0e+15',
      '19822040.0',
      '96114.08481738689',
      '0',
      '-0',
      '3.2014e-8',
      '1E400',
    ]);
  });

  it.each(readdirSync(FIXTURES_DIR).filter((name) => name.endsWith('.json')))('agrees with JSON.parse on %s', (name) => {
    const text = fixtureText(name);
    expect(toPlain(parseLosslessJson(text))).toEqual(JSON.parse(text));
  });

  it('re-serializes the compact raw recording byte for byte', () => {
    const text = fixtureText(MARKETS_RAW);
    expect(stringifyLosslessJson(parseLosslessJson(text))).toBe(text);
  });

  it('splits a top-level array into the exact source of each element', () => {
    expect(splitJsonArray(' [ {"a": 1.50} , [2] ,"x\\"y", null ] ')).toEqual(['{"a": 1.50}', '[2]', '"x\\"y"', 'null']);
    expect(splitJsonArray('[]')).toEqual([]);
    const text = fixtureText(MARKETS_RAW);
    const rows = splitJsonArray(text);
    expect(rows).toHaveLength(250);
    expect(`[${rows.join(',')}]`).toBe(text);
  });

  it('decodes strings as JSON.parse does, and keeps __proto__ as an own key', () => {
    const text = '{"s":"a\\u00e9\\n\\"\\\\\\/\\ud83d\\ude00","__proto__":{"x":1},"dup":1,"dup":2}';
    const parsed = parseLosslessJson(text) as Record<string, JsonValue>;
    expect(parsed['s']).toBe(JSON.parse(text).s);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['s', '__proto__', 'dup']);
    expect((parsed['dup'] as JsonNumber).source).toBe('2');
  });

  it.each([
    '',
    '[',
    '[1,]',
    '{"a":1,}',
    '{a:1}',
    '01',
    '1.',
    '.5',
    '1e',
    '+1',
    '-',
    '1.5.3',
    'NaN',
    'tru',
    '"abc',
    '"tab\there"',
    '"\\x"',
    '[1] x',
    "'single'",
    '[{"id":"bitcoin","current_price":961',
  ])('rejects %j like JSON.parse does', (text) => {
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(() => parseLosslessJson(text)).toThrow(JsonSyntaxError);
  });

  it('says where a truncated body ends', () => {
    const text = '[{"id":"bitcoin","current_price":961';
    expect(() => parseLosslessJson(text)).toThrow(`Unexpected end of JSON input at position ${text.length}`);
  });
});

describe('toPlainDecimal', () => {
  it.each([
    ['-6.0e-05', '-0.000060'],
    ['1.0e+15', '1000000000000000'],
    ['3.2014e-8', '0.000000032014'],
    ['2.70016521312815e+15', '2700165213128150'],
    ['12.5e1', '125'],
    ['1.25e1', '12.5'],
    ['5E-1', '0.5'],
    ['19822040.0', '19822040.0'],
    ['-0.15059', '-0.15059'],
  ])('%s -> %s', (source, plain) => {
    expect(toPlainDecimal(source)).toBe(plain);
  });

  it('rejects text that is not a JSON number', () => {
    expect(() => toPlainDecimal('12,5')).toThrow(RangeError);
  });
});
