/**
 * The shipped graph with STRATA_SOURCES=coingecko,coinpaprika: one six-hourly run lands both
 * providers, and gold/source_reconciliation compares them coin by coin. The fake CoinPaprika
 * prices every coin within 0.5 % of CoinGecko except three (OUTLIER_OFFSETS, 6–8 % off): exactly
 * those are flagged at the default 2 % threshold.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadFixtureData } from '../../src/pipeline/fake-coingecko/index.js';
import { OUTLIER_OFFSETS, startFakeCoinPaprika, type RunningFakeCoinPaprika } from '../../src/pipeline/fake-coinpaprika/index.js';
import { verifyIntegrity } from '../../src/pipeline/verify-integrity.js';
import { configuredSchedules } from '../helpers/shipped-definitions.js';
import type { RunResult } from '../../src/core/executor.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { PARTITION, SNAPSHOT_AT, querySql, startPipeline, type Pipeline } from './pipeline-harness.js';

describeEachBackend('two sources, reconciled', (backend) => {
  let database: TestDatabase;
  let paprika: RunningFakeCoinPaprika;
  let pipeline: Pipeline;
  let result: RunResult;

  beforeAll(async () => {
    database = await createTestDatabase('two-sources', { backend });
    paprika = await startFakeCoinPaprika();
    pipeline = await startPipeline(database, {
      env: {
        STRATA_SOURCES: 'coingecko,coinpaprika',
        COINPAPRIKA_BASE_URL: paprika.url,
        COINPAPRIKA_RATE_LIMIT_PER_MINUTE: '100000',
        COINPAPRIKA_MAX_RETRIES: '0',
      },
    });
    result = (await pipeline.materialize(PARTITION)).result;
  });

  afterAll(async () => {
    await pipeline?.stop();
    await paprika?.close();
    await database?.destroy();
  });

  it('the source marts depend on every configured source, and the six-hourly schedule runs them all', () => {
    const { graph, config } = pipeline.runtime;
    expect([...(graph.upstream.get('gold/source_reconciliation') ?? [])].sort()).toEqual(['silver/coinpaprika_tickers', 'silver/market_snapshots']);
    expect([...(graph.upstream.get('gold/market_daily') ?? [])].sort()).toEqual(['silver/coinpaprika_tickers', 'silver/market_snapshots']);
    const [sixHourly] = configuredSchedules(config);
    expect(sixHourly?.selection.split(',')).toEqual(expect.arrayContaining(['bronze/coinpaprika_tickers', 'silver/coinpaprika_tickers']));
  });

  it('one run lands both sources and reconciles them', () => {
    expect(result.status).toBe('SUCCESS');
    expect(result.steps.map((step) => step.assetKey).sort()).toEqual([
      'bronze/coingecko_global',
      'bronze/coingecko_markets',
      'bronze/coinpaprika_tickers',
      'gold/crypto_analytics_mart',
      'gold/market_segment_analysis',
      'gold/source_reconciliation',
      'silver/coinpaprika_tickers',
      'silver/global_snapshots',
      'silver/imported_quotes',
      'silver/market_snapshots',
    ]);
    // Every fetched asset, the new ones included, is watched by the anomaly checks; an inbox import's
    // row count is the size of whatever file was dropped, not a series with a normal range.
    for (const step of result.steps.filter((candidate) => candidate.assetKey !== 'silver/imported_quotes')) expect(step.checks?.map((c) => c.check)).toEqual(expect.arrayContaining(['row_count_anomaly', 'duration_anomaly']));
  });

  it('flags exactly the coins whose CoinPaprika price is more than 2 % off, and compares every mapped coin', async () => {
    const fixture = loadFixtureData().rows;
    const outliers = [...OUTLIER_OFFSETS.keys()].map((index) => fixture[index]?.['id'] as string).sort();
    const flagged = await querySql<{ coin_id: string; spread: number }>(
      database,
      `SELECT coin_id, spread_pct::float8 AS spread FROM gold.source_reconciliation WHERE snapshot_at = $1::timestamptz AND flagged ORDER BY coin_id`,
      [SNAPSHOT_AT],
    );
    expect(flagged.map((row) => row.coin_id)).toEqual(outliers);
    for (const row of flagged) expect(row.spread).toBeGreaterThan(5);
    const [counts] = await querySql<{ compared: number; max_unflagged: number }>(
      database,
      `SELECT count(*) FILTER (WHERE source_count = 2)::int AS compared, max(spread_pct) FILTER (WHERE NOT flagged)::float8 AS max_unflagged
       FROM gold.source_reconciliation WHERE snapshot_at = $1::timestamptz`,
      [SNAPSHOT_AT],
    );
    expect(counts?.compared).toBeGreaterThan(240);
    expect(counts?.max_unflagged).toBeLessThanOrEqual(2);
    const check = result.steps.find((step) => step.assetKey === 'gold/source_reconciliation')?.checks?.find((c) => c.check === 'spreads_within_threshold');
    expect(check).toMatchObject({ passed: false, severity: 'warn' });
    expect(check?.message).toContain(`3 of ${counts?.compared} coins above the threshold`);
  });

  it('gold/market_daily summarises each source separately', async () => {
    const { result: daily } = await pipeline.materialize('2025-02-09', 'gold/market_daily');
    expect(daily.status).toBe('SUCCESS');
    const rows = await querySql<{ source: string; n: number }>(
      database,
      `SELECT source, count(*)::int AS n FROM gold.market_daily WHERE day = '2025-02-09' GROUP BY source ORDER BY source`,
    );
    expect(rows.map((row) => row.source)).toEqual(['coingecko', 'coinpaprika']);
    expect(rows.every((row) => row.n > 240)).toBe(true);
  });

  it('strata verify checks CoinPaprika bronze and its silver counts too', async () => {
    const report = await verifyIntegrity(pipeline.runtime.resources);
    expect(report.mismatches).toEqual([]);
    expect(report.bronzeFilesByAsset['coinpaprika_tickers']).toBe(1);
    expect(report.silverPartitionsByAsset['silver/coinpaprika_tickers']).toBe(1);
  });
});
