/**
 * Exact conversions of JSON number text, without going through a float.
 *
 * Rows keep CoinGecko's text as sent (`-6.0e-05`, `1.0e+15`, `19822040.0`): Postgres NUMERIC
 * accepts exponent notation directly. `toPlainDecimal` is for sinks that do not (some Parquet
 * DECIMAL writers, CSV for humans).
 */
const JSON_NUMBER = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * Rewrites a JSON number as plain positional decimal text with the same digits.
 * `toPlainDecimal('-6.0e-05') === '-0.000060'`, `toPlainDecimal('1.0e+15') === '1000000000000000'`.
 * The scale matches what Postgres NUMERIC makes of the same text (mantissa scale minus exponent).
 */
export function toPlainDecimal(source: string): string {
  const match = JSON_NUMBER.exec(source);
  if (match === null) throw new RangeError(`not a JSON number: ${JSON.stringify(source)}`);
  const [, sign = '', intPart = '', fraction = '', exponentText] = match;
  if (exponentText === undefined) return source;
  const exponent = Number.parseInt(exponentText, 10);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 10_000) {
    throw new RangeError(`exponent out of range: ${JSON.stringify(source)}`);
  }
  const digits = intPart + fraction;
  // Position of the decimal point within `digits` after shifting by the exponent.
  const point = intPart.length + exponent;
  let whole: string;
  let frac: string;
  if (point <= 0) {
    whole = '0';
    frac = '0'.repeat(-point) + digits;
  } else if (point >= digits.length) {
    whole = digits + '0'.repeat(point - digits.length);
    frac = '';
  } else {
    whole = digits.slice(0, point);
    frac = digits.slice(point);
  }
  whole = whole.replace(/^0+(?=\d)/, '');
  return frac.length > 0 ? `${sign}${whole}.${frac}` : `${sign}${whole}`;
}
