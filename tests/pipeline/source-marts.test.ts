/**
 * The unified quotes and the marts over them: silver/market_snapshots writes CoinGecko's quotes,
 * a second source's quotes are merged beside them (mergeQuotes, as every source adapter and
 * `strata import` do), then gold/source_reconciliation compares the sources per coin and
 * gold/market_daily summarises each source per day.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mergeQuotes, type QuoteToMerge } from '../../src/pipeline/quotes/merge-quotes.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { decimal, format, mul } from './exact-decimal.js';
import { PARTITION, SNAPSHOT_AT, querySql, startPipeline, type Pipeline } from './pipeline-harness.js';

type Row = Record<string, unknown>;
const SOURCE = 'exchange_feed';
const LATER_SAME_WINDOW = '2025-02-09T15:00:00.000Z';
const NEXT_WINDOW = '2025-02-09T18:00:00.000Z';

function quote(coinId: string | null, sourceCoinId: string, price: string, snapshotAt: string, sourceRow: number): QuoteToMerge {
  return {
    sourceCoinId,
    coinId,
    symbol: 'sym',
    name: `name of ${sourceCoinId}`,
    priceUsd: price,
    marketCapUsd: null,
    totalVolumeUsd: '1000',
    marketCapRank: null,
    circulatingSupply: null,
    totalSupply: null,
    maxSupply: null,
    priceChangePercentage24h: null,
    lastUpdated: null,
    snapshotAt,
    sourceFile: 'exchange_feed.csv',
    sourceRow,
  };
}

describeEachBackend('unified quotes and the source marts', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let cgPrice: Record<string, string>;
  let wethIds: string[];

  beforeAll(async () => {
    database = await createTestDatabase('source-marts', { backend });
    pipeline = await startPipeline(database);
    const { result } = await pipeline.materialize(PARTITION, 'bronze/coingecko_markets,silver/market_snapshots');
    expect(result.status).toBe('SUCCESS');
    const rows = await querySql<{ coin_id: string; price: string }>(
      database,
      `SELECT coin_id, price_usd::text AS price FROM silver.market_quotes WHERE source = 'coingecko' AND price_usd > 0`,
    );
    cgPrice = Object.fromEntries(rows.map((row) => [row.coin_id, row.price]));
    wethIds = (await querySql<{ coin_id: string }>(database, `SELECT coin_id FROM silver.coins WHERE symbol = 'weth' ORDER BY coin_id`)).map((r) => r.coin_id);
  });

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  it('silver/market_snapshots writes every silver row as a coingecko quote with the same values', async () => {
    const [diff] = await querySql<{ missing: number; differing: number; quotes: number; silver: number }>(
      database,
      `SELECT
         (SELECT count(*)::int FROM silver.market_snapshots s WHERE NOT EXISTS (
            SELECT 1 FROM silver.market_quotes q WHERE q.source = 'coingecko' AND q.source_coin_id = s.coin_id AND q.snapshot_at = s.snapshot_at)) AS missing,
         (SELECT count(*)::int FROM silver.market_snapshots s JOIN silver.market_quotes q
            ON q.source = 'coingecko' AND q.source_coin_id = s.coin_id AND q.snapshot_at = s.snapshot_at
          WHERE (q.coin_id, q.price_usd, q.market_cap_usd, q.total_volume_usd, q.market_cap_rank, q.source_file, q.source_row)
            IS DISTINCT FROM (s.coin_id, s.current_price, s.market_cap, s.total_volume, s.market_cap_rank, s.source_file, s.source_row)) AS differing,
         (SELECT count(*)::int FROM silver.market_quotes WHERE source = 'coingecko') AS quotes,
         (SELECT count(*)::int FROM silver.market_snapshots) AS silver`,
    );
    expect(diff).toEqual({ missing: 0, differing: 0, quotes: diff?.silver, silver: diff?.silver });
    expect(diff?.silver).toBeGreaterThan(240);
  });

  it('mergeQuotes upserts, skips equal rows, replaces a snapshot and keeps unmapped coins', async () => {
    const bitcoin = cgPrice['bitcoin'] as string;
    const ethereum = cgPrice['ethereum'] as string;
    const quotes = [
      // 1 % above CoinGecko: within the default 2 % threshold.
      quote('bitcoin', 'bitcoin', format(mul(decimal(bitcoin), decimal('1.01'))), SNAPSHOT_AT, 0),
      // 5 % above: flagged.
      quote('ethereum', 'ethereum', format(mul(decimal(ethereum), decimal('1.05'))), SNAPSHOT_AT, 1),
      ...wethIds.map((id, i) => quote(id, id, cgPrice[id] as string, SNAPSHOT_AT, 2 + i)),
      quote(null, 'zzz-unknown-coin', '1.5', SNAPSHOT_AT, 20),
      // Tether twice in the window: the newer quote (15:00) is the one compared.
      quote('tether', 'tether', '0.5', SNAPSHOT_AT, 21),
      quote('tether', 'tether', cgPrice['tether'] as string, LATER_SAME_WINDOW, 22),
      // The next window is not this snapshot's.
      quote('solana', 'solana', '1', NEXT_WINDOW, 23),
    ];
    const first = await database.withSession((session) => mergeQuotes(session, quotes, { source: SOURCE }));
    expect(first).toEqual({ staged: quotes.length, inserted: quotes.length, updated: 0, deleted: 0, unmapped: 1 });

    const again = await database.withSession((session) => mergeQuotes(session, quotes, { source: SOURCE }));
    expect(again).toEqual({ staged: quotes.length, inserted: 0, updated: 0, deleted: 0, unmapped: 1 });

    const unmapped = await querySql<Row>(database, `SELECT source, source_coin_id, snapshots FROM silver.unmapped_coins`);
    expect(unmapped).toEqual([{ source: SOURCE, source_coin_id: 'zzz-unknown-coin', snapshots: 1 }]);
  });

  it('gold/source_reconciliation: each source price exact, spread, flag above the threshold, same-symbol coins never merged', async () => {
    const { result } = await pipeline.materialize(PARTITION, 'gold/source_reconciliation');
    expect(result.status).toBe('SUCCESS');
    const rows = await querySql<Row>(
      database,
      `SELECT coin_id, symbol, source_count, prices, spread_pct::float8 AS spread, flagged, threshold_pct::float8 AS threshold
       FROM gold.source_reconciliation WHERE snapshot_at = $1::timestamptz ORDER BY coin_id`,
      [SNAPSHOT_AT],
    );
    const byCoin = new Map(rows.map((row) => [row['coin_id'] as string, row]));
    // Every CoinGecko coin with a price is there; the unmapped quote is not.
    expect(rows.length).toBe(Object.keys(cgPrice).length);
    expect(byCoin.has('zzz-unknown-coin')).toBe(false);

    const bitcoin = byCoin.get('bitcoin') as Row;
    expect(bitcoin['source_count']).toBe(2);
    const prices = bitcoin['prices'] as Record<string, number | string>;
    expect(Object.keys(prices).sort()).toEqual(['coingecko', SOURCE]);
    expect(bitcoin['spread']).toBeCloseTo(1, 10);
    // The prices keep every digit (jsonb numbers are NUMERIC).
    const [exactPrices] = await querySql<Row>(
      database,
      `SELECT prices->>'coingecko' AS coingecko, prices->>'${SOURCE}' AS feed FROM gold.source_reconciliation WHERE snapshot_at = $1::timestamptz AND coin_id = 'bitcoin'`,
      [SNAPSHOT_AT],
    );
    expect(exactPrices).toEqual({ coingecko: cgPrice['bitcoin'], feed: format(mul(decimal(cgPrice['bitcoin'] as string), decimal('1.01'))) });
    expect(bitcoin['flagged']).toBe(false);
    expect(bitcoin['threshold']).toBe(2);

    const ethereum = byCoin.get('ethereum') as Row;
    expect(ethereum['spread']).toBeCloseTo(5, 10);
    expect(ethereum['flagged']).toBe(true);

    // The newer of tether's two quotes in the window is compared: equal prices.
    expect(byCoin.get('tether')?.['spread']).toBe(0);
    // Solana's only other quote is in the next window.
    expect(byCoin.get('solana')).toMatchObject({ source_count: 1, spread: null, flagged: false });

    expect(wethIds.length).toBe(5);
    for (const id of wethIds) expect(byCoin.get(id)).toMatchObject({ symbol: 'weth', source_count: 2, spread: 0, flagged: false });

    const step = result.steps[0];
    const check = step?.checks?.find((c) => c.check === 'spreads_within_threshold');
    expect(check).toMatchObject({ passed: false, severity: 'warn' });
    expect(check?.message).toMatch(/^1 of 8 coins above the threshold: ethereum 5(\.00)?%$/);
  });

  it('gold/market_daily: per source and coin, OHLC over the day with the newest quote as close', async () => {
    const { result } = await pipeline.materialize('2025-02-09', 'gold/market_daily');
    expect(result.status).toBe('SUCCESS');
    const tether = await querySql<Row>(
      database,
      `SELECT open_price::text AS open, high_price::text AS high, low_price::text AS low, close_price::text AS close, snapshot_count
       FROM gold.market_daily WHERE day = '2025-02-09' AND source = $1 AND coin_id = 'tether'`,
      [SOURCE],
    );
    const cgTether = cgPrice['tether'] as string;
    expect(tether).toEqual([{ open: '0.5', high: cgTether, low: '0.5', close: cgTether, snapshot_count: 2 }]);
    const [counts] = await querySql<{ coingecko: number; feed: number; unmapped: number }>(
      database,
      `SELECT count(*) FILTER (WHERE source = 'coingecko')::int AS coingecko, count(*) FILTER (WHERE source = $1)::int AS feed,
              count(*) FILTER (WHERE coin_id = 'zzz-unknown-coin')::int AS unmapped
       FROM gold.market_daily WHERE day = '2025-02-09'`,
      [SOURCE],
    );
    expect(counts).toEqual({ coingecko: (await querySql(database, 'SELECT 1 FROM silver.market_snapshots')).length, feed: 9, unmapped: 0 });
  });

  it('a replaced snapshot drops the quotes the source no longer has', async () => {
    const kept = [quote('bitcoin', 'bitcoin', '1', SNAPSHOT_AT, 0)];
    const result = await database.withSession((session) => mergeQuotes(session, kept, { source: SOURCE, replaceSnapshot: SNAPSHOT_AT }));
    expect(result).toMatchObject({ inserted: 0, updated: 1, deleted: 1 + 5 + 1 + 1 });
    const left = await querySql<{ source_coin_id: string }>(
      database,
      `SELECT source_coin_id FROM silver.market_quotes WHERE source = $1 ORDER BY snapshot_at, source_coin_id`,
      [SOURCE],
    );
    expect(left.map((row) => row.source_coin_id)).toEqual(['bitcoin', 'tether', 'solana']);
  });
});
