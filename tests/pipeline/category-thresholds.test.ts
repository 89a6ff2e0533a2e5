/**
 * The category definitions (DESIGN.md "Definitions") at their exact thresholds and a hair below,
 * through the SQL the pipeline runs: silver's generated market_cap_category
 * (sql/migrations/0001_silver.sql) and the mart's price_trend_category and liquidity_category
 * (sql/gold/crypto_analytics_mart.sql). One served page of rows built to sit on the edges, exact
 * decimal text end to end (an exponent-form 2.0e11 too, as the real API writes numbers).
 *   market_cap_category: mega ≥ 200e9 > large ≥ 10e9 > mid ≥ 1e9 > small ≥ 100e6 > micro > 0; unknown for NULL or 0
 *   price_trend_category: strong_up > 5 ≥ up > 1 ≥ flat ≥ −1 > down ≥ −5 > strong_down
 *   liquidity_category (total_volume / market_cap): high ≥ 0.10 > medium ≥ 0.02 > low
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunResult } from '../../src/core/executor.js';
import { JsonNumber, type JsonObject } from '../../src/pipeline/sources/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { liquidityCategory, marketCapCategory, priceTrendCategory } from './definitions.js';
import { compare, decimal, mul, type Decimal } from './exact-decimal.js';
import { fixtureRows, pageBody, PARTITION, querySql, SNAPSHOT_AT, startPipeline, type Pipeline } from './pipeline-harness.js';

interface Edge {
  readonly marketCap: string | null;
  readonly volume: string;
  readonly change24h: string | null;
  readonly expected: { readonly marketCap: string; readonly liquidity: string | null; readonly trend: string | null };
}

/** Each row sits on (or a hair below) one market-cap, one liquidity and one trend threshold. */
const EDGES: readonly Edge[] = [
  { marketCap: '200000000000', volume: '20000000000', change24h: '5', expected: { marketCap: 'mega', liquidity: 'high', trend: 'up' } },
  { marketCap: '199999999999.99', volume: '3999999999.9998', change24h: '5.0000001', expected: { marketCap: 'large', liquidity: 'medium', trend: 'strong_up' } },
  { marketCap: '2.0e11', volume: '0', change24h: '1', expected: { marketCap: 'mega', liquidity: 'low', trend: 'flat' } },
  { marketCap: '10000000000', volume: '1000000000', change24h: '1.0000001', expected: { marketCap: 'large', liquidity: 'high', trend: 'up' } },
  { marketCap: '9999999999.99', volume: '199999999.9998', change24h: '-1', expected: { marketCap: 'mid', liquidity: 'medium', trend: 'flat' } },
  { marketCap: '1000000000', volume: '99999999.99', change24h: '-1.0000001', expected: { marketCap: 'mid', liquidity: 'medium', trend: 'down' } },
  { marketCap: '999999999.99', volume: '19999999.99', change24h: '-5', expected: { marketCap: 'small', liquidity: 'low', trend: 'down' } },
  { marketCap: '100000000', volume: '10000000', change24h: '-5.0000001', expected: { marketCap: 'small', liquidity: 'high', trend: 'strong_down' } },
  { marketCap: '99999999.99', volume: '1999999.9998', change24h: '0', expected: { marketCap: 'micro', liquidity: 'medium', trend: 'flat' } },
  { marketCap: '0.01', volume: '0.001', change24h: null, expected: { marketCap: 'micro', liquidity: 'high', trend: null } },
  { marketCap: '0', volume: '5', change24h: '3', expected: { marketCap: 'unknown', liquidity: null, trend: 'up' } },
  { marketCap: null, volume: '5', change24h: '-3', expected: { marketCap: 'unknown', liquidity: null, trend: 'down' } },
];

const number = (text: string | null) => (text === null ? null : new JsonNumber(text));

/** The recorded rows' identities, with the edge values and ranks 1…N (the mart takes the top N by rank). */
function edgeRows(): JsonObject[] {
  return fixtureRows()
    .slice(0, EDGES.length)
    .map((row, index) => {
      const edge = EDGES[index] as Edge;
      return {
        ...row,
        market_cap_rank: new JsonNumber(String(index + 1)),
        market_cap: number(edge.marketCap),
        total_volume: number(edge.volume),
        price_change_percentage_24h: number(edge.change24h),
      } as JsonObject;
    });
}

it('the expectations agree with the test suite\'s own reading of the definitions', () => {
  for (const edge of EDGES) {
    const cap = edge.marketCap === null ? null : decimal(edge.marketCap);
    expect(marketCapCategory(cap)).toBe(edge.expected.marketCap);
    expect(priceTrendCategory(edge.change24h === null ? null : decimal(edge.change24h))).toBe(edge.expected.trend);
    if (edge.expected.liquidity === null) continue;
    // volume / cap ≥ t  ⇔  volume ≥ t × cap (cap > 0), compared exactly, then read as the ratio's category.
    const ratioAtLeast = (t: string) => compare(decimal(edge.volume), mul(decimal(t), cap as Decimal)) >= 0;
    const ratio = ratioAtLeast('0.10') ? '0.10' : ratioAtLeast('0.02') ? '0.02' : '0.01';
    expect(liquidityCategory(decimal(ratio))).toBe(edge.expected.liquidity);
  }
  expect(liquidityCategory(null)).toBeNull();
});

describeEachBackend('category thresholds through the pipeline SQL', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let result: RunResult;

  beforeAll(async () => {
    database = await createTestDatabase('category-thresholds', { backend });
    pipeline = await startPipeline(database, { env: { STRATA_COINS: String(EDGES.length), STRATA_MART_TOP_N: String(EDGES.length) } });
    pipeline.fake.script({ path: '/coins/markets', status: 200, body: pageBody(edgeRows()) });
    result = (await pipeline.materialize(PARTITION)).result;
  });

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  it('silver and the mart load every edge row', () => {
    const statuses = Object.fromEntries(result.steps.map((step) => [step.assetKey, step.status]));
    expect(statuses).toMatchObject({ 'silver/market_snapshots': 'SUCCESS', 'gold/crypto_analytics_mart': 'SUCCESS' });
  });

  it('market_cap_category (silver) at 200e9, 10e9, 1e9, 100e6, just below each, 0 and NULL', async () => {
    const rows = await querySql<{ market_cap_rank: number; market_cap_category: string }>(
      database,
      'SELECT market_cap_rank, market_cap_category FROM silver.market_snapshots WHERE snapshot_at = $1::timestamptz ORDER BY market_cap_rank',
      [SNAPSHOT_AT],
    );
    expect(rows.map((row) => [row.market_cap_rank, row.market_cap_category])).toEqual(EDGES.map((edge, index) => [index + 1, edge.expected.marketCap]));
  });

  it('price_trend_category at ±1 and ±5 and a hair beyond; liquidity_category at 0.10 and 0.02 and a hair below (the mart)', async () => {
    const rows = await querySql<{ market_cap_rank: number; market_cap_category: string; price_trend_category: string | null; liquidity_category: string | null }>(
      database,
      `SELECT market_cap_rank, market_cap_category, price_trend_category, liquidity_category FROM gold.crypto_analytics_mart
        WHERE snapshot_at = $1::timestamptz ORDER BY market_cap_rank`,
      [SNAPSHOT_AT],
    );
    expect(rows.map((row) => [row.market_cap_rank, row.market_cap_category, row.price_trend_category, row.liquidity_category])).toEqual(
      EDGES.map((edge, index) => [index + 1, edge.expected.marketCap, edge.expected.trend, edge.expected.liquidity]),
    );
  });
});
