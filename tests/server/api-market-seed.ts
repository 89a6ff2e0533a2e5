/**
 * Seed data for the market-data API tests, written straight into the tables with SQL (no
 * pipeline run): nine coins of which five share the symbol `weth`, CoinGecko quotes at three
 * snapshots, CoinPaprika quotes at two (the newest with microseconds, and one coin unmapped),
 * a week of bitcoin price history and a few rows of every gold mart.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/storage/index.js';

export const WETH_COINS = ['weth', 'arbitrum-bridged-weth', 'base-bridged-weth', 'linea-bridged-weth', 'polygon-pos-bridged-weth'];

/** coin_id, symbol, name, CoinGecko rank (null: unranked). */
export const COINS: readonly [string, string, string, number | null][] = [
  ['bitcoin', 'btc', 'Bitcoin', 1],
  ['ethereum', 'eth', 'Ethereum', 2],
  ['tether', 'usdt', 'Tether', 3],
  ['solana', 'sol', 'Solana', 5],
  ['weth', 'weth', 'WETH', 10],
  ['arbitrum-bridged-weth', 'weth', 'Arbitrum Bridged WETH', 200],
  ['base-bridged-weth', 'weth', 'Base Bridged WETH', null],
  ['linea-bridged-weth', 'weth', 'Linea Bridged WETH', 300],
  ['polygon-pos-bridged-weth', 'weth', 'Polygon PoS Bridged WETH', 400],
];

export const COINGECKO_SNAPSHOTS = ['2025-02-09T00:00:00.000Z', '2025-02-09T06:00:00.000Z', '2025-02-09T12:00:00.000Z'];
/** The newest has microseconds, as a CSV import may: keyset cursors must not round them. */
export const COINPAPRIKA_SNAPSHOTS = ['2025-02-09T06:00:00.000Z', '2025-02-09 12:00:00.123456+00'];

/** source_coin_id, coin_id (null: unmapped), symbol, name, rank. */
const COINPAPRIKA_COINS: readonly [string, string | null, string, string, number | null][] = [
  ['btc-bitcoin', 'bitcoin', 'btc', 'Bitcoin', 1],
  ['eth-ethereum', 'ethereum', 'eth', 'Ethereum', 2],
  ['weth-weth', 'weth', 'weth', 'WETH', 12],
  ['xyz-unknown', null, 'xyz', 'Unknown XYZ', null],
];

export interface QuoteRow {
  readonly source: string;
  readonly sourceCoinId: string;
  readonly coinId: string | null;
  readonly snapshotAt: string;
  readonly symbol: string;
  readonly name: string;
  readonly price: string;
  readonly rank: number | null;
}

export async function insertQuotes(db: Kysely<Database>, quotes: readonly QuoteRow[]): Promise<void> {
  if (quotes.length === 0) return;
  const values = quotes.map(
    (quote, index) =>
      sql`(${quote.source}, ${quote.sourceCoinId}, ${quote.coinId}, ${quote.snapshotAt}::timestamptz, ${quote.symbol}, ${quote.name},
           ${quote.price}::numeric, ${quote.rank}::integer, 'seed.csv', ${index + 1})`,
  );
  await sql`INSERT INTO silver.market_quotes (source, source_coin_id, coin_id, snapshot_at, symbol, name, price_usd, market_cap_rank, source_file, source_row)
            VALUES ${sql.join(values)}`.execute(db);
}

export async function seedMarket(db: Kysely<Database>): Promise<void> {
  for (const [coinId, symbol, name] of COINS) {
    await sql`INSERT INTO silver.coins (coin_id, symbol, name, image, first_seen_at)
              VALUES (${coinId}, ${symbol}, ${name}, ${`https://img.example/${coinId}.png`}, '2025-02-09T00:00:00Z')`.execute(db);
  }
  await insertQuotes(db, [
    ...COINGECKO_SNAPSHOTS.flatMap((snapshotAt, index) =>
      COINS.map(([coinId, symbol, name, rank]) => ({
        source: 'coingecko', sourceCoinId: coinId, coinId, snapshotAt, symbol, name, price: `${100 + index}.${coinId.length}`, rank,
      })),
    ),
    ...COINPAPRIKA_SNAPSHOTS.flatMap((snapshotAt, index) =>
      COINPAPRIKA_COINS.map(([sourceCoinId, coinId, symbol, name, rank]) => ({
        source: 'coinpaprika', sourceCoinId, coinId, snapshotAt, symbol, name, price: `${200 + index}.5`, rank,
      })),
    ),
  ]);
  for (let day = 1; day <= 9; day += 1) {
    await sql`INSERT INTO silver.price_history (coin_id, day, price_usd, market_cap_usd, total_volume_usd, points, last_point_at, source_file)
              VALUES ('bitcoin', ${`2025-02-0${day}`}::date, ${`9${day}000.123456789012345678`}::numeric, NULL, NULL, 24,
                      ${`2025-02-0${day}T23:00:00Z`}::timestamptz, 'history.json')`.execute(db);
  }
  await seedMarts(db);
}

async function seedMarts(db: Kysely<Database>): Promise<void> {
  for (const snapshotAt of COINGECKO_SNAPSHOTS) {
    for (const [coinId, symbol, name, rank] of COINS.slice(0, 6)) {
      await sql`INSERT INTO gold.crypto_analytics_mart (snapshot_at, coin_id, market_cap_rank, symbol, name, current_price, dominance_basis, market_cap_category)
                VALUES (${snapshotAt}::timestamptz, ${coinId}, ${rank ?? 999}, ${symbol}, ${name}, '1.5', 'global', 'large')`.execute(db);
    }
    for (const category of ['large', 'mid', 'small']) {
      await sql`INSERT INTO gold.market_segment_analysis (snapshot_at, market_cap_category, coin_count) VALUES (${snapshotAt}::timestamptz, ${category}, 2)`.execute(db);
    }
    for (const [coinId, symbol, name] of COINS.slice(0, 3)) {
      await sql`INSERT INTO gold.source_reconciliation (snapshot_at, coin_id, symbol, name, source_count, prices, min_price, max_price, spread_pct, threshold_pct, flagged)
                VALUES (${snapshotAt}::timestamptz, ${coinId}, ${symbol}, ${name}, 2,
                        '{"coingecko": 97123.456789012345678901, "coinpaprika": 97080.1}'::jsonb, 97080.1, 97123.456789012345678901, 0.04, 2, false)`.execute(db);
    }
  }
  for (const day of ['2025-02-08', '2025-02-09']) {
    for (const [coinId, symbol, name] of COINS.slice(0, 5)) {
      await sql`INSERT INTO gold.daily_coin_summary (day, coin_id, symbol, name, snapshot_count, first_snapshot_at, last_snapshot_at)
                VALUES (${day}::date, ${coinId}, ${symbol}, ${name}, 4, ${`${day}T00:00:00Z`}::timestamptz, ${`${day}T18:00:00Z`}::timestamptz)`.execute(db);
      for (const source of ['coingecko', 'coinpaprika']) {
        await sql`INSERT INTO gold.market_daily (day, source, coin_id, symbol, name, open_price, snapshot_count, first_snapshot_at, last_snapshot_at)
                  VALUES (${day}::date, ${source}, ${coinId}, ${symbol}, ${name}, '1.25', 4, ${`${day}T00:00:00Z`}::timestamptz, ${`${day}T18:00:00Z`}::timestamptz)`.execute(db);
      }
    }
  }
}
