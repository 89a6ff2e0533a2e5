/**
 * bronze/coingecko_price_history and silver/price_history end to end against the fake: which
 * requests each run makes (none for loaded days, one catch-up request per coin, the 365-day
 * cap), the exact silver rows, quarantined points, a 429 that fails a run mid-partition, and a
 * crash between a commit and its load record. The tests build on each other's days, in order.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dailyPartitions } from '../../src/core/partitions.js';
import { materialize } from '../../src/daemon/execute-run.js';
import { historyPrefix } from '../../src/pipeline/history/history-files.js';
import { verifyIntegrity } from '../../src/pipeline/verify-integrity.js';
import { JsonNumber, parseLosslessJson, type JsonObject, type JsonValue } from '../../src/pipeline/sources/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { interceptSessions } from '../pipeline/pipeline-harness.js';
import { TOP_5, querySql, rangeRequests, startHistoryPipeline, type HistoryPipeline, type RangeRequest } from './history-harness.js';

const BRONZE = 'bronze/coingecko_price_history';
const SILVER = 'silver/price_history';

const dayRequest = (coin: string, first: string, last: string): RangeRequest => ({
  coin,
  from: `${first}T00:00:00.000Z`,
  to: `${last}T23:59:59.000Z`,
  status: 200,
});

describeEachBackend('price history with per-coin checkpoints', (backend) => {
  let database: TestDatabase;
  let pipeline: HistoryPipeline;
  let failLoadRecord = false;
  let seen = 0;

  /** Range requests since the previous call. */
  const newRequests = (): RangeRequest[] => {
    const all = rangeRequests(pipeline.fake.requests);
    const fresh = all.slice(seen);
    seen = all.length;
    return fresh;
  };
  const stepOf = (result: Awaited<ReturnType<HistoryPipeline['history']>>['result'], key: string) => result.steps.find((step) => step.assetKey === key);
  const silverDays = (coin: string) =>
    querySql<{ day: string }>(database, 'SELECT day FROM silver.price_history WHERE coin_id = $1 ORDER BY day', [coin]).then((rows) => rows.map((row) => row.day));

  beforeAll(async () => {
    database = await createTestDatabase('history-pipeline', { backend });
    pipeline = await startHistoryPipeline(database, {
      resources: (resources) =>
        interceptSessions(resources, (statement) => {
          if (failLoadRecord && statement.includes('INSERT INTO silver.price_history_loads')) {
            failLoadRecord = false;
            throw new Error('injected: the process died before recording the load');
          }
        }),
    });
  });

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  it('fails naming what is missing when silver has no market snapshot, and for a day not yet over', async () => {
    const { result } = await pipeline.history('2025-01-10', BRONZE);
    expect(stepOf(result, BRONZE)?.error).toMatch(/silver\.market_snapshots, which has no snapshot yet: materialize silver\/market_snapshots first/);
    // Today at the real time: the day has started (so the run is made) but not ended.
    pipeline.clock.real();
    const today = dailyPartitions.keyFor(pipeline.clock.now());
    const { result: early } = await materialize(pipeline.runtime, { selection: BRONZE, partitionKey: today });
    expect(stepOf(early, BRONZE)?.error).toMatch(new RegExp(`\\[${today}\\]: the day has not ended yet`));
    expect(newRequests()).toEqual([]);
  });

  it('fetches the first day alone for each top coin, lands the bytes as received, and writes exact closes', async () => {
    expect((await pipeline.loadMarkets()).result.status).toBe('SUCCESS');
    const { result } = await pipeline.history('2025-01-10');
    expect(result.status).toBe('SUCCESS');
    expect(newRequests()).toEqual(TOP_5.map((coin) => dayRequest(coin, '2025-01-10', '2025-01-10')));
    expect(stepOf(result, BRONZE)?.metadata).toMatchObject({ files: 5, coins: 5, fetched: 5, fetched_days: 5, rows: 5 * 288 });

    const folder = join(pipeline.dataDir, historyPrefix('2025-01-10'), 'bitcoin');
    const body = await readFile(join(folder, 'market_chart_2025-01-10_2025-01-10.json'));
    const served = await fetch(`${pipeline.fake.url}/coins/bitcoin/market_chart/range?vs_currency=usd&from=1736467200&to=1736553599`);
    expect(body.equals(Buffer.from(await served.arrayBuffer()))).toBe(true);
    seen += 1;
    const manifest = JSON.parse(await readFile(join(folder, '_manifest.json'), 'utf8')) as { files: Array<{ request: { url: string } }> };
    expect(manifest.files[0]?.request.url).toBe(`${pipeline.fake.url}/coins/bitcoin/market_chart/range?vs_currency=usd&from=1736467200&to=1736553599`);

    const series = parseLosslessJson(body.toString('utf8')) as JsonObject;
    const last = (name: string) => ((series[name] as JsonValue[]).at(-1) as [JsonNumber, JsonNumber]);
    const [rows] = [await querySql(database, "SELECT * FROM silver.price_history WHERE coin_id = 'bitcoin'")];
    expect(rows).toEqual([
      {
        coin_id: 'bitcoin',
        day: '2025-01-10',
        price_usd: last('prices')[1].source,
        market_cap_usd: last('market_caps')[1].source,
        total_volume_usd: last('total_volumes')[1].source,
        points: 288,
        last_point_at: new Date(Number(last('prices')[0].source)),
        source_file: 'bitcoin/market_chart_2025-01-10_2025-01-10.json',
      },
    ]);
    expect(await querySql(database, 'SELECT count(*)::int AS n FROM silver.price_history')).toEqual([{ n: 5 }]);
  });

  it('fetches nothing for a day already loaded', async () => {
    const { result } = await pipeline.history('2025-01-10');
    expect(result.status).toBe('SUCCESS');
    expect(newRequests()).toEqual([]);
    expect(stepOf(result, BRONZE)?.metadata).toMatchObject({ files: 5, fetched: 0 });
    expect(stepOf(result, SILVER)?.metadata).toMatchObject({ rows: 5, quarantined: 0 });
  });

  it('catches a gap up in one request per coin, and a day inside it later fetches nothing', async () => {
    expect((await pipeline.history('2025-01-15')).result.status).toBe('SUCCESS');
    expect(newRequests()).toEqual(TOP_5.map((coin) => dayRequest(coin, '2025-01-11', '2025-01-15')));
    expect(await silverDays('solana')).toEqual(['2025-01-10', '2025-01-11', '2025-01-12', '2025-01-13', '2025-01-14', '2025-01-15']);
    const { result } = await pipeline.history('2025-01-12');
    expect(newRequests()).toEqual([]);
    expect(stepOf(result, SILVER)?.metadata).toMatchObject({ rows: 0, files: 0 });
  });

  it('caps a catch-up at 365 days, and fills the days before the cap later without overlap', async () => {
    expect((await pipeline.history('2026-01-20')).result.status).toBe('SUCCESS');
    expect(newRequests()).toEqual(TOP_5.map((coin) => dayRequest(coin, '2025-01-21', '2026-01-20')));
    expect((await silverDays('ripple')).length).toBe(6 + 365);
    expect((await pipeline.history('2025-01-18')).result.status).toBe('SUCCESS');
    expect(newRequests()).toEqual(TOP_5.map((coin) => dayRequest(coin, '2025-01-16', '2025-01-18')));
    expect((await pipeline.history('2025-01-20')).result.status).toBe('SUCCESS');
    expect(newRequests()).toEqual(TOP_5.map((coin) => dayRequest(coin, '2025-01-19', '2025-01-20')));
    const loads = await querySql<{ first_day: string; last_day: string }>(
      database,
      "SELECT first_day, last_day FROM silver.price_history_loads WHERE coin_id = 'ethereum' ORDER BY first_day",
    );
    expect(loads.map((load) => `${load.first_day}..${load.last_day}`)).toEqual([
      '2025-01-10..2025-01-10', '2025-01-11..2025-01-15', '2025-01-16..2025-01-18', '2025-01-19..2025-01-20', '2025-01-21..2026-01-20',
    ]);
    expect((await silverDays('ethereum')).length).toBe(376);
  });

  it('quarantines bad points with their reasons and loads the good ones', async () => {
    const at = (hour: number) => Date.UTC(2026, 0, 21, hour);
    pipeline.fake.script({
      path: '/coins/bitcoin/market_chart/range',
      status: 200,
      body: `{"prices":[[${at(1)},100.5],[${at(2)},null],[${at(3)},"101"],[${at(4)}]],"market_caps":[[${at(1)},2.0e+12]],"total_volumes":[[${at(1)},3]]}`,
    });
    const { result } = await pipeline.history('2026-01-21');
    expect(result.status).toBe('SUCCESS');
    expect(stepOf(result, SILVER)?.metadata).toMatchObject({ rows: 5, quarantined: 3 });
    const quarantined = await querySql(
      database,
      "SELECT coin_id, reason, raw_row, source_file, source_row FROM silver.quarantine WHERE asset_key = 'silver/price_history' AND partition_key = '2026-01-21' ORDER BY source_row",
    );
    const file = 'bitcoin/market_chart_2026-01-21_2026-01-21.json';
    expect(quarantined).toEqual([
      { coin_id: 'bitcoin', reason: 'prices[1]: value is null', raw_row: [at(2), null], source_file: file, source_row: 1 },
      { coin_id: 'bitcoin', reason: 'prices[2]: value is not a number (string)', raw_row: [at(3), '101'], source_file: file, source_row: 2 },
      { coin_id: 'bitcoin', reason: 'prices[3]: expected [timestamp, value], got 1 element', raw_row: [at(4)], source_file: file, source_row: 3 },
    ]);
    expect(await querySql(database, "SELECT price_usd, market_cap_usd, total_volume_usd, points FROM silver.price_history WHERE coin_id = 'bitcoin' AND day = '2026-01-21'")).toEqual([
      { price_usd: '100.5', market_cap_usd: '2000000000000', total_volume_usd: '3', points: 1 },
    ]);
    newRequests();
  });

  it('a 429 that outlasts the retries fails the run mid-partition; the re-run fetches only the coins not landed', async () => {
    pipeline.fake.script(pipeline.fake.rateLimited(60, '/coins/tether/market_chart/range'));
    const { result } = await pipeline.history('2026-01-22', BRONZE);
    expect(result.status).toBe('FAILURE');
    expect(stepOf(result, BRONZE)?.error).toMatch(/429/);
    expect(newRequests().map((request) => [request.coin, request.status])).toEqual([['bitcoin', 200], ['ethereum', 200], ['tether', 429]]);
    expect(await querySql(database, 'SELECT count(*)::int AS n FROM silver.price_history_pending')).toEqual([{ n: 0 }]);
    expect((await pipeline.history('2026-01-22')).result.status).toBe('SUCCESS');
    expect(newRequests()).toEqual(['tether', 'ripple', 'solana'].map((coin) => dayRequest(coin, '2026-01-22', '2026-01-22')));
    expect(await querySql(database, "SELECT count(*)::int AS n FROM silver.price_history WHERE day = '2026-01-22'")).toEqual([{ n: 5 }]);
  });

  it('a crash after a commit and before its load record: the next run adopts the landed file instead of fetching again', async () => {
    failLoadRecord = true;
    const { result } = await pipeline.history('2026-01-23', BRONZE);
    expect(stepOf(result, BRONZE)?.error).toMatch(/injected/);
    expect(newRequests().map((request) => request.coin)).toEqual(['bitcoin']);
    expect(await querySql(database, 'SELECT coin_id, partition_key, source_file FROM silver.price_history_pending')).toEqual([
      { coin_id: 'bitcoin', partition_key: '2026-01-23', source_file: 'bitcoin/market_chart_2026-01-23_2026-01-23.json' },
    ]);
    // And a note whose fetch never landed (the process died before the commit).
    await querySql(
      database,
      "INSERT INTO silver.price_history_pending VALUES ('ripple', '2026-01-23', '2026-01-23', '2026-01-23', 'ripple/market_chart_2026-01-23_2026-01-23.json', now())",
    );
    const { result: rerun } = await pipeline.history('2026-01-23');
    expect(rerun.status).toBe('SUCCESS');
    expect(stepOf(rerun, BRONZE)?.metadata).toMatchObject({ adopted: 1, fetched: 4, files: 5 });
    expect(newRequests()).toEqual(['ethereum', 'tether', 'ripple', 'solana'].map((coin) => dayRequest(coin, '2026-01-23', '2026-01-23')));
    expect(await querySql(database, 'SELECT count(*)::int AS n FROM silver.price_history_pending')).toEqual([{ n: 0 }]);
    expect(await querySql(database, "SELECT count(*)::int AS n FROM silver.price_history WHERE day = '2026-01-23'")).toEqual([{ n: 5 }]);
  });

  it('strata verify re-hashes every coin folder against its manifest and counts every price point into silver or quarantine', async () => {
    const report = await verifyIntegrity(pipeline.runtime.resources);
    expect(report.mismatches).toEqual([]);
    expect(report.bronzeFilesByAsset['coingecko_price_history']).toBeGreaterThan(20);
    expect(report.silverPartitionsByAsset['silver/price_history']).toBeGreaterThan(5);

    const [lost] = await querySql<{ source_file: string; points: number; day: string }>(
      database,
      "DELETE FROM silver.price_history WHERE (coin_id, day) = (SELECT coin_id, day FROM silver.price_history ORDER BY day, coin_id LIMIT 1) RETURNING source_file, points, day::text",
    );
    const after = await verifyIntegrity(pipeline.runtime.resources);
    expect(after.mismatches).toEqual([
      expect.objectContaining({ path: expect.stringMatching(/^silver\/price_history \[/), problem: expect.stringContaining(`${lost?.source_file}: silver counts`) }),
    ]);
  });
});
