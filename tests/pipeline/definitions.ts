/**
 * DESIGN.md "Definitions", written a second time in test code over exact decimals, so silver and
 * gold are checked against the definition rather than against their own SQL.
 */
import { JsonNumber, type JsonObject } from '../../src/pipeline/sources/index.js';
import { atLeast, compare, decimal, type Decimal } from './exact-decimal.js';

/** A raw row's number as its source text; null when null or absent. */
export function rawNumber(row: JsonObject, field: string): string | null {
  const value = row[field];
  if (value instanceof JsonNumber) return value.source;
  if (value === null || value === undefined) return null;
  throw new Error(`${String(row['id'])}.${field}: expected a number, got ${JSON.stringify(value)}`);
}

export function rawDecimal(row: JsonObject, field: string): Decimal | null {
  const text = rawNumber(row, field);
  return text === null ? null : decimal(text);
}

/** `mega` ≥ 200e9 > `large` ≥ 10e9 > `mid` ≥ 1e9 > `small` ≥ 100e6 > `micro` > 0; `unknown` when NULL or 0. */
export function marketCapCategory(marketCap: Decimal | null): string {
  if (marketCap === null || compare(marketCap, decimal('0')) <= 0) return 'unknown';
  if (atLeast(marketCap, '200e9')) return 'mega';
  if (atLeast(marketCap, '10e9')) return 'large';
  if (atLeast(marketCap, '1e9')) return 'mid';
  if (atLeast(marketCap, '100e6')) return 'small';
  return 'micro';
}

/** `strong_up` > 5 ≥ `up` > 1 ≥ `flat` ≥ −1 > `down` ≥ −5 > `strong_down`. */
export function priceTrendCategory(change24h: Decimal | null): string | null {
  if (change24h === null) return null;
  if (compare(change24h, decimal('5')) > 0) return 'strong_up';
  if (compare(change24h, decimal('1')) > 0) return 'up';
  if (atLeast(change24h, '-1')) return 'flat';
  if (atLeast(change24h, '-5')) return 'down';
  return 'strong_down';
}

/** `high` ≥ 0.10 > `medium` ≥ 0.02 > `low`. */
export function liquidityCategory(volumeToMcap: Decimal | null): string | null {
  if (volumeToMcap === null) return null;
  if (atLeast(volumeToMcap, '0.10')) return 'high';
  if (atLeast(volumeToMcap, '0.02')) return 'medium';
  return 'low';
}

/** Numeric columns silver copies from the API row unchanged. */
export const COPIED_NUMERIC_FIELDS = [
  'current_price', 'market_cap', 'fully_diluted_valuation', 'total_volume', 'high_24h', 'low_24h',
  'price_change_24h', 'price_change_percentage_24h', 'market_cap_change_24h', 'market_cap_change_percentage_24h',
  'circulating_supply', 'total_supply', 'max_supply', 'ath', 'ath_change_percentage', 'atl', 'atl_change_percentage',
  'price_change_percentage_1h_in_currency', 'price_change_percentage_24h_in_currency', 'price_change_percentage_1y_in_currency',
] as const;
