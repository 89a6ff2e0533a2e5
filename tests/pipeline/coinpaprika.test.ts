/**
 * CoinPaprika end to end: the fake CoinPaprika on a real port, a runtime as the CLI builds it
 * (with the two CoinPaprika assets as its graph), bronze as received, quotes in
 * silver.market_quotes with source 'coinpaprika', unified ids from the maintained map, unmapped
 * coins kept and reported, bad rows quarantined, and a re-run that rewrites nothing.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { buildGraph } from '../../src/core/graph.js';
import type { StepResult } from '../../src/core/run-step.js';
import { materialize } from '../../src/daemon/execute-run.js';
import { createLogger } from '../../src/logger.js';
import type { TelemetryEvent } from '../../src/metrics/telemetry.js';
import { coinpaprikaQuotes, coinpaprikaTickers } from '../../src/pipeline/bronze/coinpaprika-tickers.js';
import { EXTRA_TICKERS, startFakeCoinPaprika, type RunningFakeCoinPaprika } from '../../src/pipeline/fake-coinpaprika/index.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { FetchTimeClock } from '../helpers/fetch-time-clock.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { bronzeDir, PARTITION, querySql, SNAPSHOT_AT } from './pipeline-harness.js';

const BRONZE = 'bronze/coinpaprika_tickers';
const SILVER = 'silver/coinpaprika_tickers';

interface TickerJson {
  id: string;
  quotes: { USD?: Record<string, unknown> };
}

interface QuoteRow {
  source_coin_id: string;
  coin_id: string | null;
  symbol: string;
  price_usd: string | null;
  market_cap_rank: number | null;
  max_supply: string | null;
  source_file: string;
  source_row: number;
  version: string;
}

describeEachBackend('CoinPaprika source end to end', (backend) => {
  let database: TestDatabase;
  let fake: RunningFakeCoinPaprika;
  let dataDir: string;
  let runtime: Runtime;
  const telemetry: TelemetryEvent[] = [];
  let first: readonly StepResult[];

  const clock = new FetchTimeClock();
  // /v1/tickers serves only the current partition: fetched at the time its schedule would.
  const run = async () => {
    clock.at(PARTITION);
    return (await materialize(runtime, { selection: '*', partitionKey: PARTITION })).result;
  };
  const step = (steps: readonly StepResult[], key: string) => steps.find((s) => s.assetKey === key) as StepResult;
  const quotes = () =>
    querySql<QuoteRow>(
      database,
      `SELECT source_coin_id, coin_id, symbol, price_usd::text, market_cap_rank, max_supply::text, source_file, source_row, xmin::text AS version
         FROM silver.market_quotes WHERE source = 'coinpaprika' AND snapshot_at = $1 ORDER BY source_row`,
      [SNAPSHOT_AT],
    );
  const quarantine = () =>
    querySql<{ coin_id: string | null; reason: string; source_row: number }>(
      database,
      'SELECT coin_id, reason, source_row FROM silver.quarantine WHERE asset_key = $1 AND partition_key = $2 ORDER BY source_row',
      [SILVER, PARTITION],
    );

  beforeAll(async () => {
    database = await createTestDatabase('pipeline-coinpaprika', { backend });
    fake = await startFakeCoinPaprika();
    dataDir = await mkdtemp(join(tmpdir(), 'strata-coinpaprika-'));
    const config = loadConfig({
      STRATA_DATA_DIR: dataDir,
      STRATA_SOURCES: 'coinpaprika',
      COINPAPRIKA_BASE_URL: fake.url,
      COINPAPRIKA_RATE_LIMIT_PER_MINUTE: '100000',
      COINPAPRIKA_MAX_RETRIES: '0',
    });
    runtime = await openRuntime(config, createLogger({ level: 'silent', pretty: false }), {
      database,
      clock,
      graph: buildGraph([coinpaprikaTickers, coinpaprikaQuotes]),
    });
    runtime.telemetry.subscribe((event) => void telemetry.push(event));
    const result = await run();
    expect(result.status).toBe('SUCCESS');
    first = result.steps;
  });

  afterAll(async () => {
    await fake?.close();
    await database?.destroy();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps /v1/tickers in bronze byte for byte, with a manifest, and counts the request as coinpaprika', async () => {
    const dir = bronzeDir(dataDir, 'coinpaprika_tickers', PARTITION);
    expect((await readFile(join(dir, 'tickers.json'))).equals(fake.universe.body)).toBe(true);
    const manifest = JSON.parse(await readFile(join(dir, '_manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ asset: BRONZE, partition: PARTITION, rows: fake.universe.tickers.length });
    expect(manifest.files[0].request.url).toBe(`${fake.url}/tickers?quotes=USD`);
    expect(step(first, BRONZE).metadata).toMatchObject({ rows: fake.universe.tickers.length });
    expect(telemetry).toContainEqual(expect.objectContaining({ type: 'source:request', source: 'coinpaprika', endpoint: '/tickers', status: 200 }));
  });

  it('loads every ticker as a coinpaprika quote, mapped coins carrying their CoinGecko id', async () => {
    const rows = await quotes();
    expect(rows).toHaveLength(fake.universe.tickers.length);
    for (const row of rows) {
      expect([row.source_coin_id, row.coin_id]).toEqual([row.source_coin_id, fake.universe.coingeckoIds.get(row.source_coin_id) ?? null]);
    }
    const btc = fake.universe.tickers[0];
    expect(rows[0]).toMatchObject({ source_coin_id: 'btc-bitcoin', coin_id: 'bitcoin', symbol: 'btc', market_cap_rank: 1, source_file: 'tickers.json', source_row: 0 });
    expect(Number(rows[0]?.price_usd)).toBe(btc?.quotes.USD['price']);
    // ETH has no cap: CoinPaprika says 0, the unified schema null.
    expect(rows[1]).toMatchObject({ source_coin_id: 'eth-ethereum', max_supply: null });
    const [mapped] = await querySql<{ n: number }>(database, "SELECT count(*)::int AS n FROM silver.coin_id_map WHERE source = 'coinpaprika'");
    expect(mapped?.n).toBe(fake.universe.coingeckoIds.size);
  });

  it('keeps the coins the map does not know, with a NULL coin_id, and reports them', async () => {
    const extraIds = EXTRA_TICKERS.map((ticker) => ticker.id).sort();
    const unmapped = await querySql<{ source_coin_id: string; symbol: string }>(
      database,
      "SELECT source_coin_id, symbol FROM silver.unmapped_coins WHERE source = 'coinpaprika' ORDER BY source_coin_id",
    );
    expect(unmapped.map((row) => row.source_coin_id)).toEqual(extraIds);
    // Same symbol as Bitcoin, still not Bitcoin: symbols never decide.
    expect(unmapped.find((row) => row.source_coin_id === 'btc-bitcoin-classic-token')?.symbol).toBe('btc');
    const silver = step(first, SILVER);
    expect(silver.metadata).toMatchObject({ rows: fake.universe.tickers.length, unmapped: EXTRA_TICKERS.length, quarantined: 0 });
    const check = silver.checks?.find((c) => c.check === 'unmapped_coins');
    expect(check).toMatchObject({ severity: 'warn', passed: false });
    expect(check?.message).toBe(`${EXTRA_TICKERS.length} coinpaprika coins without a unified id: ${extraIds.join(', ')}`);
  });

  it('quarantines bad tickers with reasons: quotes + quarantine = bronze rows', async () => {
    const rows = JSON.parse(fake.universe.body.toString('utf8')) as TickerJson[];
    const at = (index: number) => rows[index] as TickerJson;
    delete at(3).quotes.USD;
    (at(4).quotes.USD as Record<string, unknown>)['price'] = '1.00';
    rows.push({ ...at(0) });
    fake.script({ path: '/tickers', status: 200, body: JSON.stringify(rows) });
    const result = await run();
    expect(result.status).toBe('SUCCESS');
    expect(await quarantine()).toEqual([
      { coin_id: at(3).id, source_row: 3, reason: 'quotes.USD: expected an object (the USD quote), got nothing (field missing)' },
      { coin_id: at(4).id, source_row: 4, reason: 'quotes.USD.price: expected a number or null, got string "1.00"' },
      { coin_id: 'btc-bitcoin', source_row: rows.length - 1, reason: "duplicate coinpaprika coin id 'btc-bitcoin' in this snapshot" },
    ]);
    const loaded = await quotes();
    expect(loaded.length + 3).toBe(rows.length);
    expect(step(result.steps, SILVER).metadata).toMatchObject({ rows: loaded.length, quarantined: 3, bronze_rows: rows.length });
  });

  it('is idempotent: a clean snapshot replaces the bad one, and loading it again rewrites nothing', async () => {
    expect((await run()).status).toBe('SUCCESS');
    const clean = await quotes();
    expect(clean).toHaveLength(fake.universe.tickers.length);
    expect(await quarantine()).toEqual([]);

    const again = await run();
    expect(again.status).toBe('SUCCESS');
    // xmin is the writing transaction: unchanged means the upsert left every row alone.
    expect(await quotes()).toEqual(clean);
    expect(await quarantine()).toEqual([]);
  });
});
