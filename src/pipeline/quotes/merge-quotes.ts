/**
 * Loads unified quotes into silver.market_quotes inside the caller's transaction: COPY into a
 * typed temp stage, fill unified ids from silver.coin_id_map, then upsert. Used by every source:
 * the CoinGecko and CoinPaprika silver assets (one snapshot at a time, replacing it) and
 * `strata import` (rows of any snapshots, never deleting).
 */
import { csvLine, type SqlSession } from '../../index.js';
import { loadSql } from '../sql-files.js';
import type { LocatedQuote } from './unified-quote.js';

/** The quote columns after `source`, in the order of `quoteLine`. */
export const QUOTE_COLUMNS = [
  'source_coin_id',
  'coin_id',
  'snapshot_at',
  'symbol',
  'name',
  'price_usd',
  'market_cap_usd',
  'total_volume_usd',
  'market_cap_rank',
  'circulating_supply',
  'total_supply',
  'max_supply',
  'price_change_percentage_24h',
  'last_updated',
  'source_file',
  'source_row',
] as const;

const COPY_STAGE = `COPY stage_market_quotes (${QUOTE_COLUMNS.join(', ')}) FROM STDIN WITH (FORMAT csv)`;

export interface QuoteToMerge extends LocatedQuote {
  /** ISO 8601: the snapshot the quote belongs to. */
  readonly snapshotAt: string;
}

export interface MergeQuotesOptions {
  readonly source: string;
  /** Replace this snapshot of the source: its stored quotes missing from `quotes` are deleted. */
  readonly replaceSnapshot?: string;
}

export interface MergeQuotesResult {
  readonly staged: number;
  readonly inserted: number;
  /** Rows that existed and differed; rows equal to the stored ones count in neither. */
  readonly updated: number;
  readonly deleted: number;
  /** Staged quotes left without a unified id (the provider's coin is not in silver.coin_id_map). */
  readonly unmapped: number;
}

export async function mergeQuotes(session: SqlSession, quotes: readonly QuoteToMerge[], options: MergeQuotesOptions): Promise<MergeQuotesResult> {
  await session.query(loadSql('silver/create_quote_stage.sql'));
  const staged = await session.copyFrom(COPY_STAGE, quoteLines(quotes));
  await session.query(loadSql('silver/map_staged_quotes.sql'), [options.source]);
  let deleted = 0;
  if (options.replaceSnapshot !== undefined) {
    deleted = (await session.query(loadSql('silver/delete_missing_market_quotes.sql'), [options.source, options.replaceSnapshot])).rowCount;
  }
  const merged = await session.query<{ inserted: boolean }>(loadSql('silver/merge_market_quotes.sql'), [options.source]);
  const inserted = merged.rows.filter((row) => row.inserted).length;
  const { rows } = await session.query<{ n: number }>('SELECT count(*)::int AS n FROM stage_market_quotes WHERE coin_id IS NULL');
  return { staged, inserted, updated: merged.rows.length - inserted, deleted, unmapped: rows[0]?.n ?? 0 };
}

/** Made as COPY asks for them (not all at once), so a large load leaves the event loop turns. */
function* quoteLines(quotes: readonly QuoteToMerge[]): Generator<string> {
  for (const quote of quotes) yield quoteLine(quote);
}

/** One quote as a CSV line in `QUOTE_COLUMNS` order. */
export function quoteLine(quote: QuoteToMerge): string {
  return csvLine([
    quote.sourceCoinId,
    quote.coinId ?? null,
    quote.snapshotAt,
    quote.symbol,
    quote.name,
    quote.priceUsd,
    quote.marketCapUsd,
    quote.totalVolumeUsd,
    quote.marketCapRank,
    quote.circulatingSupply,
    quote.totalSupply,
    quote.maxSupply,
    quote.priceChangePercentage24h,
    quote.lastUpdated,
    quote.sourceFile,
    quote.sourceRow,
  ]);
}
