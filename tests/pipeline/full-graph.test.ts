/**
 * The whole graph on the real recorded 250-coin page, through the fake on a real port with a
 * required demo key: bronze bytes and manifest, silver exactness and derived columns, gold marts,
 * the Parquet copy read by an independent reader, and idempotent re-materialization.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunResult } from '../../src/core/executor.js';
import { loadFixtureData } from '../../src/pipeline/fake-coingecko/index.js';
import { isJsonObject, JsonNumber, parseLosslessJson, type JsonObject } from '../../src/pipeline/sources/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import {
  COPIED_NUMERIC_FIELDS,
  liquidityCategory,
  marketCapCategory,
  priceTrendCategory,
  rawDecimal,
  rawNumber,
} from './definitions.js';
import { add, decimal, exact, format, isRoundedQuotient, median, sub, sum, type Decimal } from './exact-decimal.js';
import {
  bronzeDir,
  countQuarantine,
  countSilver,
  dumpCoins,
  dumpGold,
  dumpQuarantine,
  dumpSilver,
  fixtureRows,
  MARKETS_FIXTURE_FILE,
  PARTITION,
  querySql,
  snapshotAt,
  SNAPSHOT_AT,
  startPipeline,
  type Pipeline,
} from './pipeline-harness.js';

const API_KEY = 'CG-demo-key-for-pipeline-tests';
const FIXTURE_BYTES = loadFixtureData().marketsBody;
const RAW = fixtureRows();
const RAW_BY_ID = new Map(RAW.map((row) => [row['id'] as string, row]));

function globalUsdTotal(): string {
  const global = parseLosslessJson(loadFixtureData().globalBody.toString('utf8'));
  const data = isJsonObject(global) ? global['data'] : undefined;
  const totals = isJsonObject(data) ? data['total_market_cap'] : undefined;
  const usd = isJsonObject(totals) ? totals['usd'] : undefined;
  if (!(usd instanceof JsonNumber)) throw new Error('global fixture has no total_market_cap.usd');
  return usd.source;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const exactOrNull = (value: unknown) => (value === null ? null : exact(String(value)));
const sumRaw = (field: string, rows: readonly JsonObject[] = RAW): Decimal =>
  sum(rows.flatMap((row) => rawDecimal(row, field) ?? []));

describeEachBackend('pipeline end to end on the recorded 250-coin page', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let first: RunResult;

  beforeAll(async () => {
    database = await createTestDatabase('pipeline-full', { backend });
    pipeline = await startPipeline(database, {
      env: { COINGECKO_PLAN: 'demo', COINGECKO_API_KEY: API_KEY },
      fake: { requireKey: { header: 'x-cg-demo-api-key', key: API_KEY } },
    });
    first = (await pipeline.materialize(PARTITION)).result;
  });

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  it('runs all seven six-hourly assets to SUCCESS for the partition, and the unpartitioned import as a no-op', () => {
    const steps = first.steps.map((step) => ({ asset: step.assetKey, partition: step.partition, status: step.status, error: step.error }));
    expect(steps.sort((a, b) => a.asset.localeCompare(b.asset))).toEqual(
      [
        'bronze/coingecko_global',
        'bronze/coingecko_markets',
        'gold/crypto_analytics_mart',
        'gold/market_segment_analysis',
        'gold/source_reconciliation',
        'silver/global_snapshots',
        'silver/imported_quotes',
        'silver/market_snapshots',
      ].map((asset) => ({ asset, partition: asset === 'silver/imported_quotes' ? null : PARTITION, status: 'SUCCESS', error: undefined })),
    );
    expect(first.steps.find((step) => step.assetKey === 'silver/imported_quotes')?.metadata).toMatchObject({ file: null });
    expect(first.status).toBe('SUCCESS');
  });

  it('stores page-001.json byte for byte as recorded, next to markets.parquet and _manifest.json', async () => {
    const dir = bronzeDir(pipeline.dataDir, 'coingecko_markets', PARTITION);
    expect(dir).toBe(join(pipeline.dataDir, 'raw', '2025-02-09', '2025-02-09T12:00Z', 'coingecko_markets'));
    expect((await readdir(dir)).sort()).toEqual(['_manifest.json', 'markets.parquet', 'page-001.json']);
    const page = await readFile(join(dir, 'page-001.json'));
    const recorded = await readFile(new URL(`../fixtures/coingecko/${MARKETS_FIXTURE_FILE}`, import.meta.url));
    expect(page.byteLength).toBe(recorded.byteLength);
    expect(page.equals(recorded)).toBe(true);
  });

  it('writes a manifest whose sha256, bytes and rows match the files, with request URLs free of the API key', async () => {
    const dir = bronzeDir(pipeline.dataDir, 'coingecko_markets', PARTITION);
    const manifest = JSON.parse(await readFile(join(dir, '_manifest.json'), 'utf8'));
    const parquet = await readFile(join(dir, 'markets.parquet'));
    expect(manifest).toMatchObject({ asset: 'bronze/coingecko_markets', partition: PARTITION, rows: 250 });
    expect(manifest.files).toEqual([
      {
        name: 'page-001.json',
        sha256: sha256(FIXTURE_BYTES),
        bytes: FIXTURE_BYTES.byteLength,
        rows: 250,
        request: { url: expect.stringContaining('/coins/markets?'), status: 200, fetchedAt: expect.any(String) },
      },
      { name: 'markets.parquet', sha256: sha256(parquet), bytes: parquet.byteLength, rows: 250 },
    ]);
    const url = new URL(manifest.files[0].request.url);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ vs_currency: 'usd', per_page: '250', page: '1', precision: 'full' });

    const globalManifest = await readFile(join(bronzeDir(pipeline.dataDir, 'coingecko_global', PARTITION), '_manifest.json'), 'utf8');
    for (const text of [JSON.stringify(manifest), globalManifest]) {
      expect(text).not.toContain(API_KEY);
      expect(text).not.toMatch(/api[_-]?key/i);
    }
    // The key did travel, in the demo plan's header: the fake refuses requests without it.
    const dataRequests = pipeline.fake.requests.filter((request) => request.path !== '/ping');
    expect(dataRequests.map((request) => [request.path, request.status, request.headers['x-cg-demo-api-key']])).toEqual(
      expect.arrayContaining([
        ['/coins/markets', 200, API_KEY],
        ['/global', 200, API_KEY],
      ]),
    );
    expect(dataRequests.every((request) => request.headers['x-cg-demo-api-key'] === API_KEY && !JSON.stringify(request.query).includes(API_KEY))).toBe(true);
  });

  it('puts every bronze row in silver or in quarantine: 250 = silver + quarantine', async () => {
    const silver = await countSilver(database, SNAPSHOT_AT);
    const quarantined = await countQuarantine(database, PARTITION);
    expect(silver + quarantined).toBe(250);
    // Every recorded row is valid, so all of them are in silver.
    expect([silver, quarantined]).toEqual([250, 0]);
  });

  it('sums market_cap and current_price exactly as the decimal sum of the raw JSON text', async () => {
    const [totals] = await querySql<{ market_cap: string; current_price: string }>(
      database,
      'SELECT sum(market_cap)::text AS market_cap, sum(current_price)::text AS current_price FROM silver.market_snapshots WHERE snapshot_at = $1::timestamptz',
      [SNAPSHOT_AT],
    );
    expect(exact(totals?.market_cap ?? 'NaN')).toBe(format(sumRaw('market_cap')));
    expect(exact(totals?.current_price ?? 'NaN')).toBe(format(sumRaw('current_price')));
    // A float sum would lose digits here: the exact total has more than 17 significant ones.
    expect(format(sumRaw('current_price')).replace(/[-.]/g, '').replace(/^0+/, '').length).toBeGreaterThan(17);
  });

  it('keeps every copied number exactly as received', async () => {
    const silver = await dumpSilver(database, SNAPSHOT_AT);
    expect(silver).toHaveLength(250);
    for (const row of silver) {
      const raw = RAW_BY_ID.get(row['coin_id'] as string);
      expect(raw, String(row['coin_id'])).toBeDefined();
      for (const field of COPIED_NUMERIC_FIELDS) {
        const source = rawNumber(raw as JsonObject, field);
        expect([row['coin_id'], field, exactOrNull(row[field])]).toEqual([row['coin_id'], field, source === null ? null : exact(source)]);
      }
      expect(row['market_cap_rank']).toBe(Number(rawNumber(raw as JsonObject, 'market_cap_rank')));
    }
  });

  it('derives market_cap_category, price_volatility_24h and volume_to_mcap_ratio per the definitions', async () => {
    const silver = await dumpSilver(database, SNAPSHOT_AT);
    for (const row of silver) {
      const raw = RAW_BY_ID.get(row['coin_id'] as string) as JsonObject;
      const id = row['coin_id'];
      expect([id, row['market_cap_category']]).toEqual([id, marketCapCategory(rawDecimal(raw, 'market_cap'))]);

      const high = rawDecimal(raw, 'high_24h');
      const low = rawDecimal(raw, 'low_24h');
      const volatility = row['price_volatility_24h'] as string | null;
      if (high === null || low === null || low.units === 0n) expect([id, volatility]).toEqual([id, null]);
      else expect([id, volatility, isRoundedQuotient(volatility as string, sub(high, low), low, decimal('100'))]).toEqual([id, volatility, true]);

      const volume = rawDecimal(raw, 'total_volume');
      const cap = rawDecimal(raw, 'market_cap');
      const ratio = row['volume_to_mcap_ratio'] as string | null;
      if (volume === null || cap === null || cap.units === 0n) expect([id, ratio]).toEqual([id, null]);
      else expect([id, ratio, isRoundedQuotient(ratio as string, volume, cap)]).toEqual([id, ratio, true]);
    }

    const bitcoin = silver.find((row) => row['coin_id'] === 'bitcoin');
    expect(bitcoin).toMatchObject({ market_cap_category: 'mega', market_cap: '1903746811536', high_24h: '97317', low_24h: '95867' });
    // (97317 − 95867) / 95867 × 100 = 1.51251212617480467731…; 20388876648 / 1903746811536 = 0.01070986778517551033…
    expect(bitcoin?.['price_volatility_24h']).toMatch(/^1\.5125121261748046\d*$/);
    expect(bitcoin?.['volume_to_mcap_ratio']).toMatch(/^0\.0107098677851755\d*$/);
    const categories = new Set(silver.map((row) => row['market_cap_category']));
    expect([...categories].sort()).toEqual(['large', 'mega', 'mid', 'small']);
  });

  it('markets.parquet, read back by DuckDB, has the JSON row count and sum(current_price)', async () => {
    const file = join(bronzeDir(pipeline.dataDir, 'coingecko_markets', PARTITION), 'markets.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const duck = await instance.connect();
    try {
      const reader = await duck.runAndReadAll(
        `SELECT count(*)::INTEGER AS n, sum(current_price) AS price, sum(market_cap) AS cap, count(DISTINCT id)::INTEGER AS ids FROM read_parquet('${file.replace(/'/g, "''")}')`,
      );
      const [agg] = reader.getRowObjects();
      const expectedPrice = Number(format(sumRaw('current_price')));
      const expectedCap = Number(format(sumRaw('market_cap')));
      expect(agg?.['n']).toBe(250);
      expect(agg?.['ids']).toBe(250);
      expect(agg?.['price'] as number).toBeCloseTo(expectedPrice, 6);
      expect(Math.abs((agg?.['cap'] as number) - expectedCap) / expectedCap).toBeLessThan(1e-12);
    } finally {
      duck.closeSync();
      instance.closeSync();
    }
  });

  it('builds crypto_analytics_mart: exactly ranks 1…50, dominance against the global total', async () => {
    const { mart } = await dumpGold(database, SNAPSHOT_AT);
    expect(mart.map((row) => row['market_cap_rank'])).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const expectedIds = RAW.filter((row) => Number(rawNumber(row, 'market_cap_rank')) <= 50).map((row) => row['id']);
    expect(mart.map((row) => row['coin_id']).sort()).toEqual([...expectedIds].sort());

    const globalUsd = globalUsdTotal();
    const [global] = await querySql<{ total: string }>(database, 'SELECT total_market_cap_usd AS total FROM silver.global_snapshots WHERE snapshot_at = $1::timestamptz', [SNAPSHOT_AT]);
    expect(exact(global?.total ?? 'NaN')).toBe(exact(globalUsd));

    for (const row of mart) {
      const raw = RAW_BY_ID.get(row['coin_id'] as string) as JsonObject;
      const id = row['coin_id'];
      expect([id, row['dominance_basis'], exactOrNull(row['market_cap'])]).toEqual([id, 'global', exact(rawNumber(raw, 'market_cap') as string)]);
      const dominance = row['market_dominance_pct'] as string;
      expect([id, dominance, isRoundedQuotient(dominance, rawDecimal(raw, 'market_cap') as Decimal, decimal(globalUsd), decimal('100'))]).toEqual([id, dominance, true]);
      expect([id, row['price_trend_category']]).toEqual([id, priceTrendCategory(rawDecimal(raw, 'price_change_percentage_24h'))]);
      const ratio = row['volume_to_mcap_ratio'] as string | null;
      expect([id, row['liquidity_category']]).toEqual([id, liquidityCategory(ratio === null ? null : decimal(ratio))]);
      expect([id, row['market_cap_category']]).toEqual([id, marketCapCategory(rawDecimal(raw, 'market_cap'))]);
    }
    // Bitcoin's dominance: 1903746811536 / 2515268352188.766 × 100 = 75.68762235168168262…
    expect(mart[0]).toMatchObject({ coin_id: 'bitcoin', market_cap_rank: 1 });
    expect(mart[0]?.['market_dominance_pct']).toMatch(/^75\.687622351681682\d*$/);
  });

  it('builds market_segment_analysis: one row per category, counts and market caps adding up exactly, exact medians', async () => {
    const { segments } = await dumpGold(database, SNAPSHOT_AT);
    const groups = new Map<string, JsonObject[]>();
    for (const row of RAW) {
      const category = marketCapCategory(rawDecimal(row, 'market_cap'));
      groups.set(category, [...(groups.get(category) ?? []), row]);
    }
    expect(segments.map((row) => row['market_cap_category'])).toEqual([...groups.keys()].sort());
    expect(segments.reduce((n, row) => n + (row['coin_count'] as number), 0)).toBe(250);

    const [silverTotal] = await querySql<{ total: string }>(database, 'SELECT sum(market_cap)::text AS total FROM silver.market_snapshots WHERE snapshot_at = $1::timestamptz', [SNAPSHOT_AT]);
    const segmentTotal = segments.reduce<Decimal>((total, row) => add(total, decimal(row['total_market_cap'] as string)), decimal('0'));
    expect(format(segmentTotal)).toBe(exact(silverTotal?.total ?? 'NaN'));

    const snapshotCap = sumRaw('market_cap');
    for (const row of segments) {
      const category = row['market_cap_category'] as string;
      const members = groups.get(category) ?? [];
      const changes = members.flatMap((member) => rawDecimal(member, 'price_change_percentage_24h') ?? []);
      const expectedMedian = median(changes);
      expect({
        category,
        coin_count: row['coin_count'],
        total_market_cap: exactOrNull(row['total_market_cap']),
        total_volume: exactOrNull(row['total_volume']),
        median: exactOrNull(row['median_price_change_24h']),
      }).toEqual({
        category,
        coin_count: members.length,
        total_market_cap: format(sumRaw('market_cap', members)),
        total_volume: format(sumRaw('total_volume', members)),
        median: expectedMedian === null ? null : format(expectedMedian),
      });
      const share = row['market_share_pct'] as string;
      expect([category, share, isRoundedQuotient(share, sumRaw('market_cap', members), snapshotCap, decimal('100'))]).toEqual([category, share, true]);
      const average = row['avg_price_change_24h'] as string;
      expect([category, average, isRoundedQuotient(average, sum(changes), decimal(String(changes.length)))]).toEqual([category, average, true]);
    }
    // The median really is an even-count mean in at least one category, so both branches are covered.
    expect([...groups.values()].some((members) => members.length % 2 === 0)).toBe(true);
  });

  it('lets the rank decide the mart, not market-cap order (ranks 54 and 55 are swapped in the data)', async () => {
    const byRank = (rank: number) => RAW.find((row) => rawNumber(row, 'market_cap_rank') === String(rank)) as JsonObject;
    const [rank54, rank55] = [byRank(54), byRank(55)];
    // The precondition that makes this test meaningful: rank 55 has the larger market cap.
    expect(Number(rawNumber(rank55, 'market_cap'))).toBeGreaterThan(Number(rawNumber(rank54, 'market_cap')));

    const partition = '2025-02-09T18:00Z';
    const top54 = await startPipeline(database, {
      sharedFake: pipeline.fake,
      env: { COINGECKO_PLAN: 'demo', COINGECKO_API_KEY: API_KEY, STRATA_MART_TOP_N: '54' },
    });
    try {
      const { result } = await top54.materialize(partition);
      expect(result.status).toBe('SUCCESS');
      const { mart } = await dumpGold(database, snapshotAt(partition));
      const ids = mart.map((row) => row['coin_id']);
      expect(mart.map((row) => row['market_cap_rank'])).toEqual(Array.from({ length: 54 }, (_, i) => i + 1));
      expect(ids).toContain(rank54['id']);
      expect(ids).not.toContain(rank55['id']);
    } finally {
      await top54.stop();
    }
  });

  it('is idempotent: materializing the partition again leaves the same silver, quarantine, coins and gold', async () => {
    const before = {
      silver: await dumpSilver(database, SNAPSHOT_AT),
      quarantine: await dumpQuarantine(database, PARTITION),
      coins: await dumpCoins(database),
      gold: await dumpGold(database, SNAPSHOT_AT),
    };
    expect(before.silver).toHaveLength(250);
    expect(before.gold.mart).toHaveLength(50);

    const { result } = await pipeline.materialize(PARTITION);
    expect(result.status).toBe('SUCCESS');
    const after = {
      silver: await dumpSilver(database, SNAPSHOT_AT),
      quarantine: await dumpQuarantine(database, PARTITION),
      coins: await dumpCoins(database),
      gold: await dumpGold(database, SNAPSHOT_AT),
    };
    expect(after).toEqual(before);
    const [counts] = await querySql<{ snapshots: number; marts: number }>(
      database,
      `SELECT (SELECT count(*)::int FROM silver.market_snapshots WHERE snapshot_at = $1::timestamptz) AS snapshots,
              (SELECT count(*)::int FROM gold.crypto_analytics_mart WHERE snapshot_at = $1::timestamptz) AS marts`,
      [SNAPSHOT_AT],
    );
    expect(counts).toEqual({ snapshots: 250, marts: 50 });
    const page = await readFile(join(bronzeDir(pipeline.dataDir, 'coingecko_markets', PARTITION), 'page-001.json'));
    expect(page.equals(FIXTURE_BYTES)).toBe(true);
  });
});
