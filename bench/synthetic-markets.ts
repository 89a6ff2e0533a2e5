/**
 * Synthetic CoinGecko `/coins/markets` snapshots for benches: a fixed universe of coins whose
 * values drift from one six-hourly snapshot to the next. Decimals are text the way lossless
 * JSON hands them over from CoinGecko's Python encoder (`19822040.0`, `1.234e-05`, `96114.08481738689`),
 * the long tail has the nulls and zeros real data has (no rank, no max supply, market cap 0),
 * and every snapshot holds each coin once so (coin_id, snapshot_at) is unique.
 * Deterministic: the same (seed, snapshot) always gives the same rows.
 */
import type { StagedMarketRow } from '../src/pipeline/silver/market-rows.js';
import type { MarketRow } from '../src/pipeline/sources/index.js';
import { mulberry32 } from './random.js';

const SIX_HOURS_MS = 6 * 3600 * 1000;
const FIRST_SNAPSHOT_MS = Date.parse('2025-01-01T00:00:00.000Z');

const SYLLABLES = ['bit', 'eth', 'sol', 'doge', 'chain', 'link', 'ada', 'dot', 'ava', 'lan', 'che', 'pepe', 'shib', 'ton', 'near', 'apt', 'sui', 'arb', 'op', 'inj', 'ren', 'uni', 'swap', 'fi', 'meta', 'verse', 'moon', 'star', 'nova', 'zen', 'ka', 'ri', 'to', 'mi', 'vo', 'xa'];
const SUFFIXES = ['', '', '', '-token', '-network', '-protocol', '-finance', '-coin', '-ai', '-dao', '-2', '-bridged-usdc'];

export interface SnapshotPlan {
  readonly index: number;
  readonly snapshotAt: string;
  readonly rows: number;
}

/** Splits `rows` into snapshots of `snapshotSize` rows (the last one may be smaller), six hours apart. */
export function planSnapshots(rows: number, snapshotSize: number): SnapshotPlan[] {
  const plans: SnapshotPlan[] = [];
  for (let index = 0, left = rows; left > 0; index++, left -= snapshotSize) {
    plans.push({ index, snapshotAt: new Date(FIRST_SNAPSHOT_MS + index * SIX_HOURS_MS).toISOString(), rows: Math.min(snapshotSize, left) });
  }
  return plans;
}

interface Coin {
  readonly id: string;
  readonly symbol: string;
  readonly name: string;
  readonly image: string | null;
  /** Log10 of the coin's typical price and market cap, so ranks stay roughly stable. */
  readonly logPrice: number;
  readonly logCap: number;
  readonly maxSupplyFactor: number | null;
  readonly hasFdv: boolean;
  readonly hasRoi: boolean;
  readonly dead: boolean;
  readonly athDate: string;
  readonly atlDate: string;
}

/** The coin universe: rank 1 is the largest; the tail is thin, unranked or dead. */
export function coinUniverse(size: number, seed = 1): Coin[] {
  const random = mulberry32(seed);
  const seen = new Set<string>();
  const coins: Coin[] = [];
  for (let rank = 1; coins.length < size; rank++) {
    const parts = 1 + Math.floor(random() * 3);
    let base = '';
    for (let p = 0; p < parts; p++) base += pick(random, SYLLABLES);
    let id = `${base}${pick(random, SUFFIXES)}`;
    while (seen.has(id)) id = `${id}-${Math.floor(random() * 1000)}`;
    seen.add(id);
    const share = coins.length / size;
    const imageNumber = 1 + Math.floor(random() * 50_000);
    coins.push({
      id,
      symbol: base.slice(0, 3 + Math.floor(random() * 4)),
      name: id.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' '),
      image: random() < 0.02 ? null : `https://coin-images.coingecko.com/coins/images/${imageNumber}/large/${base}.png?${1696500000 + imageNumber}`,
      logPrice: 5 - share * 12 + (random() - 0.5) * 4,
      logCap: 12.3 - share * 10 + (random() - 0.5) * 0.2,
      maxSupplyFactor: random() < 0.35 ? 1 + random() * 3 : null,
      hasFdv: random() < 0.8,
      hasRoi: random() < 0.1,
      dead: share > 0.85 && random() < 0.5,
      athDate: new Date(Date.parse('2017-12-01T00:00:00Z') + Math.floor(random() * 2.4e11)).toISOString(),
      atlDate: new Date(Date.parse('2013-07-06T00:00:00Z') + Math.floor(random() * 2.4e11)).toISOString(),
    });
  }
  return coins;
}

/** One snapshot's rows for the first `plan.rows` coins of the universe. */
export function snapshotRows(coins: readonly Coin[], plan: SnapshotPlan, seed = 1): StagedMarketRow[] {
  const random = mulberry32(seed * 1_000_003 + plan.index);
  const sourceFile = `bronze/coingecko_markets/snapshot=${plan.snapshotAt}/page.json`;
  const updatedMs = Date.parse(plan.snapshotAt) - 60_000;
  const rows: StagedMarketRow[] = [];
  for (let i = 0; i < plan.rows; i++) {
    const coin = coins[i];
    if (coin === undefined) throw new Error(`snapshot of ${plan.rows} rows needs a universe of at least that many coins`);
    rows.push({ sourceFile, sourceRow: i, row: marketRow(coin, i + 1, random, updatedMs) });
  }
  return rows;
}

function marketRow(coin: Coin, rank: number, random: () => number, updatedMs: number): MarketRow {
  const drift = (random() - 0.5) * 0.1;
  const price = 10 ** (coin.logPrice + drift);
  const marketCap = coin.dead ? 0 : Math.round(10 ** (coin.logCap + drift));
  const circulating = marketCap > 0 ? marketCap / price : random() * 1e9;
  const total = circulating * (1 + random() * 0.5);
  const change = (random() - 0.5) * 20;
  const high = price * (1 + random() * 0.08);
  const low = price * (1 - random() * 0.08);
  const maybe = (probability: number, value: string): string | null => (random() < probability ? null : value);
  return {
    id: coin.id,
    symbol: coin.symbol,
    name: coin.name,
    image: coin.image,
    current_price: maybe(0.005, pyFloat(price)),
    market_cap: String(marketCap),
    market_cap_rank: coin.dead || rank > 12_500 ? null : rank,
    fully_diluted_valuation: coin.hasFdv ? String(Math.round(marketCap * (coin.maxSupplyFactor ?? 1.1))) : null,
    total_volume: String(Math.round(marketCap * random() * 0.3)),
    high_24h: maybe(0.02, pyNumber(high)),
    low_24h: maybe(0.02, pyNumber(low)),
    price_change_24h: maybe(0.02, pyFloat((price * change) / 100)),
    price_change_percentage_24h: maybe(0.02, pyFloat(round(change, 5))),
    market_cap_change_24h: maybe(0.02, pyFloat((marketCap * change) / 100)),
    market_cap_change_percentage_24h: maybe(0.02, pyFloat(round(change * 0.98, 5))),
    circulating_supply: pyFloat(circulating),
    total_supply: maybe(0.05, pyFloat(total)),
    max_supply: coin.maxSupplyFactor === null ? null : pyFloat(Math.round(total * coin.maxSupplyFactor)),
    ath: pyNumber(price * (1 + random() * 20)),
    ath_change_percentage: pyFloat(round(-random() * 99, 5)),
    ath_date: coin.athDate,
    atl: pyNumber(price * random() * 0.5),
    atl_change_percentage: pyFloat(round(random() * 1e5, 5)),
    atl_date: coin.atlDate,
    roi: coin.hasRoi ? { times: pyFloat(random() * 100), currency: pick(random, ['usd', 'eth', 'btc']), percentage: pyFloat(random() * 10_000) } : null,
    last_updated: new Date(updatedMs - Math.floor(random() * 3_600_000)).toISOString(),
    price_change_percentage_1h_in_currency: maybe(0.05, pyFloat((random() - 0.5) * 4)),
    price_change_percentage_24h_in_currency: maybe(0.03, pyFloat(change)),
    price_change_percentage_7d_in_currency: null,
    price_change_percentage_14d_in_currency: null,
    price_change_percentage_30d_in_currency: null,
    price_change_percentage_200d_in_currency: null,
    price_change_percentage_1y_in_currency: maybe(0.3, pyFloat((random() - 0.3) * 300)),
  };
}

/** A float as Python's json module writes it: always a dot or an exponent, two-digit exponents. */
function pyFloat(value: number): string {
  const text = String(value);
  if (/[.e]/.test(text)) return text.replace(/e([+-])(\d)$/, 'e$10$2');
  return `${text}.0`;
}

/** CoinGecko sends round prices as integers (`"high_24h": 97317`) and the rest as floats. */
function pyNumber(value: number): string {
  return value >= 1000 ? String(Math.round(value)) : pyFloat(value);
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}
