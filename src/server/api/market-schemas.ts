/**
 * The zod schemas of the market-data API (`/api/v1/market`), published at `/docs`. Fields are
 * the tables' own snake_case column names; money and supplies are exact decimal strings. Text
 * filters refuse control characters (Postgres text cannot hold NUL) instead of failing in SQL.
 */
import { z } from 'zod';
import type { Config } from '../../config.js';
import { SOURCE_NAME } from '../../pipeline/quotes/unified-quote.js';

const PLAIN_TEXT = /^[^\u0000-\u001f\u007f]+$/;

export const CoinIdText = z.string().min(1).max(200).regex(PLAIN_TEXT, 'a coin id has no control characters').describe("A unified coin id: CoinGecko's, e.g. 'bitcoin'");
export const SymbolText = z.string().min(1).max(100).regex(PLAIN_TEXT, 'a symbol has no control characters').describe('Any case; never unique: every coin with it');
export const SourceText = z.string().regex(SOURCE_NAME, 'a source is lower snake case, e.g. coingecko').describe('A source: coingecko, coinpaprika, or a CSV import’s name');
export const OrderQuery = z.enum(['asc', 'desc']);
export const CursorQuery = z.string().min(1).max(4000).describe('next_cursor of the previous page (same sort and order)');

export const DayQuery = z.iso.date().refine((day) => day >= '0001-01-01', 'a day from year 1').describe('YYYY-MM-DD (UTC), included');

/** `limit`: default and hard maximum from the config; above the maximum is a 400 naming it, never clamped. */
export function pageLimit(config: Config) {
  const { defaultPageSize, maxPageSize } = config.marketApi;
  return z.coerce
    .number()
    .int()
    .min(1, 'limit is at least 1')
    .max(maxPageSize, `limit is at most ${maxPageSize} (STRATA_MARKET_API_MAX_PAGE_SIZE)`)
    .default(defaultPageSize)
    .describe(`Rows per page: default ${defaultPageSize}, at most ${maxPageSize}`);
}

export const Decimal = z.string().nullable();

export const CoinSchema = z.object({
  coin_id: z.string(),
  symbol: z.string(),
  name: z.string(),
  image: z.string().nullable(),
  first_seen_at: z.date(),
});

export const QuoteSchema = z.object({
  source: z.string(),
  source_coin_id: z.string(),
  coin_id: z.string().nullable().describe('null: the source’s coin is not mapped to a unified id yet'),
  snapshot_at: z.date(),
  symbol: z.string(),
  name: z.string(),
  price_usd: Decimal,
  market_cap_usd: Decimal,
  total_volume_usd: Decimal,
  market_cap_rank: z.number().nullable(),
  circulating_supply: Decimal,
  total_supply: Decimal,
  max_supply: Decimal,
  price_change_percentage_24h: Decimal,
  last_updated: z.date().nullable(),
});

export const DailyPriceSchema = z.object({
  coin_id: z.string(),
  day: z.string(),
  price_usd: Decimal,
  market_cap_usd: Decimal,
  total_volume_usd: Decimal,
  points: z.number(),
  last_point_at: z.date(),
});

export const MartValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null(), z.date(), z.record(z.string(), z.string())]);

export const NextCursor = z.string().nullable().describe('Pass as cursor for the next page; null on the last page');
