/**
 * The fake CoinPaprika's `/v1/tickers`, built deterministically from the recorded CoinGecko page
 * (tests/fixtures/coingecko) so the two sources describe the same coins:
 * - ids in CoinPaprika's `<symbol>-<slug>` style (`btc-bitcoin`), with CoinGecko's id as the slug,
 *   and upper-case symbols;
 * - prices within ±0.5% of CoinGecko's (a hash of the id picks the offset), except the coins at
 *   OUTLIER_OFFSETS, which are off by more than 5% so reconciliation has something to flag;
 * - a few coins CoinGecko does not list (EXTRA_TICKERS), one sharing Bitcoin's symbol, so the
 *   mapping must go by id, never by symbol;
 * - CoinPaprika's conventions: `rank` 0 when unranked, `max_supply` 0 for "no cap", percentages
 *   with two decimals, timestamps to the second, all numbers plain JSON numbers.
 */
import { JsonNumber, type JsonObject } from '../sources/lossless-json.js';
import type { FixtureData } from '../fake-coingecko/fixture-data.js';

/** Recorded-row index → price factor: the coins whose sources disagree by more than 5%. */
export const OUTLIER_OFFSETS: ReadonlyMap<number, number> = new Map([
  [6, 1.06],
  [19, 0.93],
  [42, 1.08],
]);

export interface FakeTicker {
  readonly id: string;
  readonly name: string;
  readonly symbol: string;
  readonly rank: number;
  readonly circulating_supply: number;
  readonly total_supply: number;
  readonly max_supply: number;
  readonly beta_value: number;
  readonly first_data_at: string | null;
  readonly last_updated: string;
  readonly quotes: { readonly USD: Readonly<Record<string, number | string | null>> };
}

export interface TickerUniverse {
  readonly tickers: readonly FakeTicker[];
  /** The whole `/v1/tickers` body. */
  readonly body: Buffer;
  /** CoinPaprika id → CoinGecko id, for the coins both sources list. */
  readonly coingeckoIds: ReadonlyMap<string, string>;
}

const SNAPSHOT_TIME = '2025-02-09T17:40:00Z';

/** Coins only CoinPaprika lists: unranked, uncapped, and one whose symbol is also Bitcoin's. */
export const EXTRA_TICKERS: readonly FakeTicker[] = [
  extra('btc-bitcoin-classic-token', 'Bitcoin Classic Token', 'BTC', 0, 0.0213),
  extra('pepr-paprika-pepper', 'Paprika Pepper', 'PEPR', 0, 0.00031),
  extra('spc-spice-chain', 'Spice Chain', 'SPC', 0, 1.27),
];

export function createTickerUniverse(data: FixtureData): TickerUniverse {
  const coingeckoIds = new Map<string, string>();
  const tickers = data.rows.map((row, index) => {
    const ticker = tickerFromCoinGecko(row, index);
    coingeckoIds.set(ticker.id, text(row['id']) as string);
    return ticker;
  });
  tickers.push(...EXTRA_TICKERS);
  return { tickers, body: Buffer.from(JSON.stringify(tickers), 'utf8'), coingeckoIds };
}

/** `btc-bitcoin` from symbol `btc` and CoinGecko id `bitcoin`; `usdc.e` becomes `usdc-e`. */
export function coinpaprikaId(symbol: string, coingeckoId: string): string {
  return `${symbol.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${coingeckoId}`;
}

function tickerFromCoinGecko(row: JsonObject, index: number): FakeTicker {
  const id = text(row['id']) as string;
  const symbol = text(row['symbol']) as string;
  const hash = fnv1a(id);
  const factor = OUTLIER_OFFSETS.get(index) ?? 1 + ((hash % 1001) - 500) / 100_000;
  const price = num(row['current_price']) * factor;
  const ath = row['ath'] instanceof JsonNumber ? num(row['ath']) : null;
  const change1h = num(row['price_change_percentage_1h_in_currency']);
  const change24h = num(row['price_change_percentage_24h']);
  return {
    id: coinpaprikaId(symbol, id),
    name: text(row['name']) as string,
    symbol: symbol.toUpperCase(),
    rank: num(row['market_cap_rank']),
    circulating_supply: Math.round(num(row['circulating_supply'])),
    total_supply: Math.round(num(row['total_supply'])),
    max_supply: Math.round(num(row['max_supply'])),
    beta_value: round(0.5 + (hash % 1000) / 1000, 5),
    first_data_at: toSeconds(text(row['atl_date'])),
    last_updated: toSeconds(text(row['last_updated'])) ?? SNAPSHOT_TIME,
    quotes: {
      USD: {
        price: significant(price),
        volume_24h: round(num(row['total_volume']) * factor, 2),
        volume_24h_change_24h: round(((hash >>> 3) % 4001) / 100 - 20, 2),
        market_cap: Math.round(num(row['market_cap']) * factor),
        market_cap_change_24h: round(num(row['market_cap_change_percentage_24h']), 2),
        percent_change_15m: round(change1h / 4, 2),
        percent_change_30m: round(change1h / 2, 2),
        percent_change_1h: round(change1h, 2),
        percent_change_6h: round(change1h + (change24h - change1h) / 4, 2),
        percent_change_12h: round(change1h + (change24h - change1h) / 2, 2),
        percent_change_24h: round(change24h, 2),
        percent_change_7d: round(((hash >>> 5) % 3001) / 100 - 15, 2),
        percent_change_30d: round(((hash >>> 7) % 6001) / 100 - 30, 2),
        percent_change_1y: round(num(row['price_change_percentage_1y_in_currency']), 2),
        ath_price: ath === null ? null : significant(ath),
        ath_date: toSeconds(text(row['ath_date'])),
        percent_from_price_ath: ath === null || ath === 0 ? null : round((price / ath - 1) * 100, 2),
      },
    },
  };
}

function extra(id: string, name: string, symbol: string, rank: number, price: number): FakeTicker {
  const hash = fnv1a(id);
  const supply = 1_000_000 + (hash % 9_000_000);
  return {
    id,
    name,
    symbol,
    rank,
    circulating_supply: supply,
    total_supply: supply,
    max_supply: 0,
    beta_value: 0,
    first_data_at: '2024-06-01T00:00:00Z',
    last_updated: SNAPSHOT_TIME,
    quotes: {
      USD: {
        price,
        volume_24h: round(supply * price * 0.04, 2),
        volume_24h_change_24h: 0,
        market_cap: Math.round(supply * price),
        market_cap_change_24h: 0,
        percent_change_15m: 0,
        percent_change_30m: 0,
        percent_change_1h: 0,
        percent_change_6h: 0,
        percent_change_12h: 0,
        percent_change_24h: round(((hash >>> 3) % 2001) / 100 - 10, 2),
        percent_change_7d: 0,
        percent_change_30d: 0,
        percent_change_1y: 0,
        ath_price: null,
        ath_date: null,
        percent_from_price_ath: null,
      },
    },
  };
}

/** The recorded number, or 0 where CoinGecko has null (CoinPaprika writes 0 for unknown measures). */
function num(value: unknown): number {
  return value instanceof JsonNumber ? Number(value.source) : 0;
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** `2025-02-09T17:44:04.143Z` → `2025-02-09T17:44:04Z`, CoinPaprika's precision. */
function toSeconds(iso: string | null): string | null {
  return iso === null ? null : iso.replace(/\.\d+Z$/, 'Z');
}

function round(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale || 0;
}

/** Ten significant digits, so a derived price reads like a quoted one. */
function significant(value: number): number {
  return Number(value.toPrecision(10));
}

/** 32-bit FNV-1a: a stable hash of an id, the fake's only source of variety. */
function fnv1a(textToHash: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < textToHash.length; i++) {
    hash ^= textToHash.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
