/**
 * zod schemas for CoinGecko `/coins/markets` rows and `/global`, over lossless JSON
 * (`parseLosslessJson`): every number arrives as a `JsonNumber` and leaves as its exact source
 * text (`'-6.0e-05'`, `'1.0e+15'`, `'19822040.0'`), which Postgres NUMERIC accepts as is.
 * Counts and ranks, which are small integers, become JS numbers.
 *
 * Validation is per row so the pipeline can quarantine a bad row with a reason instead of
 * failing the page or dropping the row. Types are never coerced: `"current_price": "12.5"` is
 * a quarantine reason.
 *
 * Nullability: every real fixture (2020 to 2025) must parse. Beyond what the fixtures show,
 * measures and dates accept null because the full universe (~15,000 coins) holds dead and
 * unranked coins, and a null measure is "unknown", which silver handles; a wrong type or a
 * missing field is a changed API and is quarantined. `fully_diluted_valuation` and `max_supply`
 * were absent before 2021 and the `price_change_percentage_*_in_currency` fields exist only
 * when requested: absent becomes null.
 */
import { z } from 'zod';
import { JsonNumber, isJsonObject, type JsonObject } from './lossless-json.js';
import { describeInput, expected, formatIssues, nonEmptyText, nullableDecimal, nullableTimestamp, text } from './lossless-fields.js';

/** A JSON number, output as its exact source text. */
const decimal = z.custom<JsonNumber>((v) => v instanceof JsonNumber, { error: expected('a number') }).transform((n) => n.source);
/** Absent (older API versions, fields not requested) reads as null. */
const optionalDecimal = nullableDecimal.optional().transform((n) => n ?? null);

const isCount = (v: unknown): v is JsonNumber => v instanceof JsonNumber && /^\d{1,15}$/.test(v.source);
const count = z.custom<JsonNumber>(isCount, { error: expected('a non-negative integer') }).transform((n) => Number(n.source));
const nullableCount = z
  .custom<JsonNumber | null>((v) => v === null || isCount(v), { error: expected('a non-negative integer or null') })
  .transform((n) => (n === null ? null : Number(n.source)));

const nullableText = z.string({ error: expected('a string or null') }).nullable();

const RoiSchema = z.object(
  { times: decimal, currency: text, percentage: decimal },
  { error: expected('an object {times, currency, percentage} or null') },
);

/** One row of `/coins/markets`. Unknown extra fields (sparkline, …) are stripped; bronze keeps them. */
export const MarketRowSchema = z.object({
  id: nonEmptyText,
  symbol: text,
  name: text,
  image: nullableText,
  current_price: nullableDecimal,
  market_cap: nullableDecimal,
  market_cap_rank: nullableCount,
  fully_diluted_valuation: optionalDecimal,
  total_volume: nullableDecimal,
  high_24h: nullableDecimal,
  low_24h: nullableDecimal,
  price_change_24h: nullableDecimal,
  price_change_percentage_24h: nullableDecimal,
  market_cap_change_24h: nullableDecimal,
  market_cap_change_percentage_24h: nullableDecimal,
  circulating_supply: nullableDecimal,
  total_supply: nullableDecimal,
  max_supply: optionalDecimal,
  ath: nullableDecimal,
  ath_change_percentage: nullableDecimal,
  ath_date: nullableTimestamp,
  atl: nullableDecimal,
  atl_change_percentage: nullableDecimal,
  atl_date: nullableTimestamp,
  roi: RoiSchema.nullable(),
  last_updated: nullableTimestamp,
  price_change_percentage_1h_in_currency: optionalDecimal,
  price_change_percentage_24h_in_currency: optionalDecimal,
  price_change_percentage_7d_in_currency: optionalDecimal,
  price_change_percentage_14d_in_currency: optionalDecimal,
  price_change_percentage_30d_in_currency: optionalDecimal,
  price_change_percentage_200d_in_currency: optionalDecimal,
  price_change_percentage_1y_in_currency: optionalDecimal,
});

/** A validated market row: decimals are exact source text or null; rank is an integer. */
export type MarketRow = z.output<typeof MarketRowSchema>;

export type MarketRowResult =
  | { readonly ok: true; readonly row: MarketRow }
  | { readonly ok: false; readonly reason: string; readonly coinId?: string };

/** The page-level check only: an array of objects. Rows are validated one by one. */
export const MarketsPageSchema = z.array(
  z.custom<JsonObject>(isJsonObject, { error: expected('an object (a market row)') }),
  { error: expected('an array of market rows') },
);

/**
 * Validates one raw row (from `parseLosslessJson`). On failure, `reason` names each bad field
 * and what it held, and `coinId` is the row's id when it has a string one.
 */
export function parseMarketRow(raw: unknown): MarketRowResult {
  if (!isJsonObject(raw)) return { ok: false, reason: `row: expected an object, got ${describeInput(raw)}` };
  const parsed = MarketRowSchema.safeParse(raw);
  if (parsed.success) return { ok: true, row: parsed.data };
  const id = raw['id'];
  return typeof id === 'string' ? { ok: false, reason: formatIssues(parsed.error), coinId: id } : { ok: false, reason: formatIssues(parsed.error) };
}

export type MarketsPageResult =
  | { readonly ok: true; readonly rows: readonly JsonObject[] }
  | { readonly ok: false; readonly reason: string };

export function parseMarketsPage(raw: unknown): MarketsPageResult {
  const parsed = MarketsPageSchema.safeParse(raw);
  return parsed.success ? { ok: true, rows: parsed.data } : { ok: false, reason: formatIssues(parsed.error) };
}

/** `/global`. Per-currency maps hold exact decimal text keyed by currency code. */
export const GlobalSchema = z.object(
  {
    data: z.object(
      {
        active_cryptocurrencies: count,
        upcoming_icos: count,
        ongoing_icos: count,
        ended_icos: count,
        markets: count,
        total_market_cap: z.record(z.string(), decimal),
        total_volume: z.record(z.string(), decimal),
        market_cap_percentage: z.record(z.string(), decimal),
        market_cap_change_percentage_24h_usd: nullableDecimal,
        /** Unix seconds. */
        updated_at: count,
      },
      { error: expected('an object') },
    ),
  },
  { error: expected('an object {data: …}') },
);

export type GlobalData = z.output<typeof GlobalSchema>['data'];

export type GlobalResult = { readonly ok: true; readonly global: GlobalData } | { readonly ok: false; readonly reason: string };

export function parseGlobal(raw: unknown): GlobalResult {
  const parsed = GlobalSchema.safeParse(raw);
  return parsed.success ? { ok: true, global: parsed.data.data } : { ok: false, reason: formatIssues(parsed.error) };
}
