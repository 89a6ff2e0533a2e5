/**
 * The unified market schema every source adapter produces (table silver.market_quotes).
 *
 * Values are exact decimal text (`'27123.45'`, `'-6.0e-05'`) or null; Postgres NUMERIC takes
 * either form. `coinId` is the unified id (CoinGecko's id space) or null when the provider's coin
 * is not mapped yet: such a quote is stored and reported, never dropped and never matched by symbol.
 */

export interface UnifiedQuote {
  /** The provider's own id for the coin (`btc-bitcoin`); for CoinGecko and CSV imports, the unified id. */
  readonly sourceCoinId: string;
  /** Filled by the mapping step; adapters of providers that use their own ids leave it undefined. */
  readonly coinId?: string | null;
  /** Lower case, as the unified schema stores it (`BTC` becomes `btc`). */
  readonly symbol: string;
  readonly name: string;
  readonly priceUsd: string | null;
  readonly marketCapUsd: string | null;
  readonly totalVolumeUsd: string | null;
  readonly marketCapRank: number | null;
  readonly circulatingSupply: string | null;
  readonly totalSupply: string | null;
  readonly maxSupply: string | null;
  readonly priceChangePercentage24h: string | null;
  /** ISO 8601, or null when the provider does not say. */
  readonly lastUpdated: string | null;
}

/** Where a quote came from: the bronze file (or CSV file) and the row (or line) in it. */
export interface QuoteLineage {
  readonly sourceFile: string;
  readonly sourceRow: number;
}

export type LocatedQuote = UnifiedQuote & QuoteLineage;

/** A source name: lower snake case, as silver.market_quotes' CHECK constraint requires. */
export const SOURCE_NAME = /^[a-z][a-z0-9_]{0,39}$/;

/**
 * One provider's rows into unified quotes. Adding a provider means writing one of these (plus
 * its client and bronze asset); the silver loader, quarantine, reconciliation and API stay as they are.
 */
export interface SourceAdapter {
  /** The value of silver.market_quotes.source. */
  readonly source: string;
  /** One raw row (lossless JSON) to a quote, or the reason it does not fit the unified schema. */
  toQuote(raw: unknown): QuoteResult;
}

export type QuoteResult =
  | { readonly ok: true; readonly quote: UnifiedQuote }
  | { readonly ok: false; readonly reason: string; readonly sourceCoinId?: string };
