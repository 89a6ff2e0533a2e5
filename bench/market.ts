/**
 * The market-data API over a large silver.market_quotes on Postgres: `coins` CoinGecko coins and
 * a fifth as many CoinPaprika coins (mapped) at `snapshots` six-hourly snapshots, seeded in SQL,
 * analysed, then requests through the real app (`app.inject`, warm, timed to the full body):
 * the newest snapshot of a source, a page deep into it by cursor, a coin's history page, and every
 * page of `/coins?source=coinpaprika`, whose pages past the coins CoinPaprika quotes are the
 * slowest found (a semi-join probe per coin).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { openRuntime } from '../src/runtime.js';
import { buildApp } from '../src/server/app.js';
import type { Database } from '../src/storage/index.js';
import { createScratchDatabase } from './scratch-database.js';

export interface MarketBenchOptions {
  readonly coins: number;
  readonly snapshots: number;
  readonly samples: number;
  readonly adminUrl: string;
}

const PAGE = 100;

export async function runMarketBench(options: MarketBenchOptions): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'strata-bench-market-'));
  const scratch = await createScratchDatabase(options.adminUrl, 'strata_bench_market');
  const config = loadConfig({ DATABASE_URL: scratch.url, STRATA_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  const runtime = await openRuntime(config, createLogger({ level: 'warn', pretty: false }));
  let app: FastifyInstance | undefined;
  try {
    const seeded = await timed(() => seed(runtime.database.db, options));
    const quotes = await sql<{ n: number }>`SELECT count(*)::int AS n FROM silver.market_quotes`.execute(runtime.database.db);
    console.error(`seeded ${quotes.rows[0]?.n} quotes in ${(seeded.ms / 1000).toFixed(1)} s`);
    app = await buildApp({ runtime });
    const inject = app.inject.bind(app);
    const get = async (url: string) => {
      const response = await inject({ method: 'GET', url });
      if (response.statusCode !== 200) throw new Error(`${url} -> ${response.statusCode} ${response.body.slice(0, 300)}`);
      return response.json<{ next_cursor: string | null }>();
    };

    let cursor: string | null = null;
    const deepPages = Math.min(40, Math.floor(options.coins / PAGE) - 1);
    for (let page = 0; page < deepPages; page++) {
      cursor = (await get(`/api/v1/market/latest?source=coingecko&limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).next_cursor;
    }
    const requests: [string, string][] = [
      ['newest snapshot of a source, first page', `/api/v1/market/latest?source=coingecko&limit=${PAGE}`],
      [`/latest, page ${deepPages + 1} by cursor`, `/api/v1/market/latest?source=coingecko&limit=${PAGE}&cursor=${encodeURIComponent(cursor ?? '')}`],
      ['a coin’s history, 100 rows', `/api/v1/market/coins/coin-1/history?source=coingecko&limit=${PAGE}`],
    ];
    console.log(`\nMarket-data API, Postgres: ${quotes.rows[0]?.n.toLocaleString('en-US')} quotes; ${options.samples} requests each after a warm-up\n`);
    console.log('| request | p50 | p95 |\n|---|---:|---:|');
    for (const [name, url] of requests) {
      const times = await sample(options.samples, () => get(url));
      console.log(`| ${name} | ${ms(percentile(times, 0.5))} | ${ms(percentile(times, 0.95))} |`);
    }
    const pages: number[] = [];
    let next: string | null = null;
    do {
      const started = performance.now();
      next = (await get(`/api/v1/market/coins?source=coinpaprika&limit=${PAGE}${next ? `&cursor=${encodeURIComponent(next)}` : ''}`)).next_cursor;
      pages.push(performance.now() - started);
    } while (next !== null);
    console.log(`| /coins?source=coinpaprika, slowest of its ${pages.length} pages (once each) | ${ms(Math.max(...pages))} (max) | |`);
  } finally {
    await app?.close();
    await runtime.close();
    await scratch.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** CoinGecko: `coins` coins; CoinPaprika: the first fifth of them, mapped; both at every snapshot. */
async function seed(db: Kysely<Database>, options: MarketBenchOptions): Promise<void> {
  const { coins, snapshots } = options;
  const paprika = Math.max(1, Math.floor(coins / 5));
  await sql`INSERT INTO silver.coins (coin_id, symbol, name, first_seen_at)
    SELECT 'coin-' || i, 'c' || i, 'Coin ' || i, '2025-01-01T00:00:00Z'::timestamptz FROM generate_series(1, ${coins}::int) AS i`.execute(db);
  await sql`INSERT INTO silver.market_quotes (source, source_coin_id, coin_id, snapshot_at, symbol, name, price_usd, market_cap_usd, market_cap_rank, source_file, source_row)
    SELECT 'coingecko', 'coin-' || i, 'coin-' || i, '2025-01-01T00:00:00Z'::timestamptz + s * interval '6 hours', 'c' || i, 'Coin ' || i,
           (1000.0 / i)::numeric(30, 8), (1e9 / i)::numeric(30, 2), i, 'seed', i
    FROM generate_series(0, ${snapshots - 1}::int) AS s, generate_series(1, ${coins}::int) AS i`.execute(db);
  await sql`INSERT INTO silver.market_quotes (source, source_coin_id, coin_id, snapshot_at, symbol, name, price_usd, market_cap_rank, source_file, source_row)
    SELECT 'coinpaprika', 'c' || i || '-coin-' || i, 'coin-' || i, '2025-01-01T00:00:00Z'::timestamptz + s * interval '6 hours', 'c' || i, 'Coin ' || i,
           (1001.0 / i)::numeric(30, 8), i, 'seed', i
    FROM generate_series(0, ${snapshots - 1}::int) AS s, generate_series(1, ${paprika}::int) AS i`.execute(db);
  await sql`ANALYZE silver.coins, silver.market_quotes`.execute(db);
}

async function sample(count: number, work: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 5; i++) await work();
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return times;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
