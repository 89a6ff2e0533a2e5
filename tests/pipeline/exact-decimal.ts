/**
 * Exact decimal arithmetic for checking silver and gold numbers against the raw JSON text:
 * a value is `units / 10^scale` with BigInt units, so sums and comparisons never touch a float.
 */
import { toPlainDecimal } from '../../src/pipeline/sources/index.js';

export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

export const ZERO: Decimal = { units: 0n, scale: 0 };

/** Parses JSON number text or Postgres NUMERIC text (`-6.0e-05`, `1903746811536`, `0.0151`). */
export function decimal(text: string): Decimal {
  const plain = toPlainDecimal(text.trim());
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(plain);
  if (match === null) throw new RangeError(`not a decimal: ${JSON.stringify(text)}`);
  const [, sign = '', whole = '', fraction = ''] = match;
  const units = BigInt(`${whole}${fraction}`);
  return { units: sign === '-' ? -units : units, scale: fraction.length };
}

function pow10(exponent: number): bigint {
  return 10n ** BigInt(exponent);
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.units * pow10(scale - a.scale), b.units * pow10(scale - b.scale), scale];
}

export function add(a: Decimal, b: Decimal): Decimal {
  const [x, y, scale] = align(a, b);
  return { units: x + y, scale };
}

export function sub(a: Decimal, b: Decimal): Decimal {
  const [x, y, scale] = align(a, b);
  return { units: x - y, scale };
}

export function mul(a: Decimal, b: Decimal): Decimal {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

export function compare(a: Decimal, b: Decimal): number {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function sum(values: Iterable<Decimal>): Decimal {
  let total = ZERO;
  for (const value of values) total = add(total, value);
  return total;
}

export function abs(a: Decimal): Decimal {
  return a.units < 0n ? { units: -a.units, scale: a.scale } : a;
}

/** Canonical text (no trailing fractional zeros), for equality in `expect` and readable failures. */
export function format(a: Decimal): string {
  const negative = a.units < 0n;
  let digits = (negative ? -a.units : a.units).toString().padStart(a.scale + 1, '0');
  let scale = a.scale;
  while (scale > 0 && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    scale--;
  }
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative && a.units !== 0n ? `-${text}` : text;
}

/** Canonical form of a decimal text: `exact('1.50')` === `exact('1.5e0')` === '1.5'. */
export function exact(text: string): string {
  return format(decimal(text));
}

/** `value ≥ threshold` with both as decimal text. */
export function atLeast(value: Decimal, threshold: string): boolean {
  return compare(value, decimal(threshold)) >= 0;
}

/**
 * Whether `result` is `numerator / denominator × factor` as NUMERIC computes it: within half a unit
 * of the result's last digit (times `factor`, when the division is rounded before multiplying),
 * and to at least 14 significant digits, so a value rounded to a few places does not pass.
 */
export function isRoundedQuotient(result: string, numerator: Decimal, denominator: Decimal, factor: Decimal = decimal('1')): boolean {
  const r = decimal(result);
  // |r·d − n·f| ≤ ½·10^−scale·f·|d|, all scaled to integers.
  const error = abs(sub(mul(r, denominator), mul(numerator, factor)));
  const halfUlp: Decimal = { units: 5n, scale: r.scale + 1 };
  const roundingBound = abs(mul(mul(halfUlp, factor), denominator));
  const precisionBound = abs(mul(mul(numerator, factor), decimal('1e-14')));
  return compare(error, roundingBound) <= 0 && compare(error, precisionBound) <= 0;
}

/** The exact median: the middle value, or the mean of the two middle values (exact: a half at most adds one digit). */
export function median(values: readonly Decimal[]): Decimal | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort(compare);
  const upper = sorted[Math.floor(sorted.length / 2)] as Decimal;
  if (sorted.length % 2 === 1) return upper;
  const lower = sorted[sorted.length / 2 - 1] as Decimal;
  return mul(add(lower, upper), decimal('0.5'));
}
