/**
 * zod schemas for CoinPaprika `/v1/tickers` rows, over lossless JSON (`parseLosslessJson`):
 * numbers leave as their exact source text, ranks as JS integers. Types are never coerced.
 *
 * The shape follows CoinPaprika's documented and recorded responses: ids like `btc-bitcoin`,
 * upper-case symbols, `rank` 0 for unranked coins, `max_supply` 0 for "no cap", and the money
 * under `quotes.USD` (`price`, `volume_24h`, `market_cap`, `percent_change_*`, `ath_*`). Only the
 * fields the unified schema needs are checked; bronze keeps the rest as received. Measures
 * accept null (unknown) as CoinGecko's do; a missing field or a wrong type is a changed API and
 * is quarantined with the field named.
 */
import { z } from 'zod';
import { JsonNumber, isJsonObject, type JsonObject } from './lossless-json.js';
import { describeInput, expected, formatIssues, nonEmptyText, nullableDecimal, nullableTimestamp, text } from './lossless-fields.js';

const rank = z
  .custom<JsonNumber>((v) => v instanceof JsonNumber && /^\d{1,9}$/.test(v.source), { error: expected('a non-negative integer') })
  .transform((n) => Number(n.source));

const UsdQuoteSchema = z.object(
  {
    price: nullableDecimal,
    volume_24h: nullableDecimal,
    market_cap: nullableDecimal,
    percent_change_24h: nullableDecimal,
  },
  { error: expected('an object (the USD quote)') },
);

/** One ticker of `/v1/tickers`. */
export const TickerSchema = z.object({
  id: nonEmptyText,
  name: text,
  symbol: nonEmptyText,
  rank,
  circulating_supply: nullableDecimal,
  total_supply: nullableDecimal,
  max_supply: nullableDecimal,
  last_updated: nullableTimestamp,
  quotes: z.object({ USD: UsdQuoteSchema }, { error: expected('an object of quotes by currency') }),
});

export type Ticker = z.output<typeof TickerSchema>;

export type TickerResult =
  | { readonly ok: true; readonly ticker: Ticker }
  | { readonly ok: false; readonly reason: string; readonly tickerId?: string };

/** Validates one raw ticker; on failure `reason` names each bad field and what it held. */
export function parseTicker(raw: unknown): TickerResult {
  if (!isJsonObject(raw)) return { ok: false, reason: `row: expected an object, got ${describeInput(raw)}` };
  const parsed = TickerSchema.safeParse(raw);
  if (parsed.success) return { ok: true, ticker: parsed.data };
  const id = raw['id'];
  return typeof id === 'string' && id !== '' ? { ok: false, reason: formatIssues(parsed.error), tickerId: id } : { ok: false, reason: formatIssues(parsed.error) };
}

/** The response-level check only: an array of objects. Tickers are validated one by one. */
export function parseTickers(raw: unknown): { readonly ok: true; readonly rows: readonly JsonObject[] } | { readonly ok: false; readonly reason: string } {
  if (!Array.isArray(raw)) return { ok: false, reason: `expected an array of tickers, got ${describeInput(raw)}` };
  const index = raw.findIndex((row) => !isJsonObject(row));
  if (index >= 0) return { ok: false, reason: `${index}: expected an object (a ticker), got ${describeInput(raw[index])}` };
  return { ok: true, rows: raw as JsonObject[] };
}
