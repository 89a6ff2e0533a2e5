/**
 * gold/daily_coin_summary over two UTC days of snapshots: 2025-02-08 with all four, 2025-02-09
 * with two (06:00 and 18:00). Bitcoin's price, volume and market cap differ per snapshot with
 * more digits than a double holds, so OHLC, the average and the close are checked exactly.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBackfill } from '../../src/daemon/backfill.js';
import { JsonNumber, type JsonObject } from '../../src/pipeline/sources/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { decimal, exact, format, mul, sum } from './exact-decimal.js';
import { fixtureRows, pageBody, querySql, startPipeline, type Pipeline } from './pipeline-harness.js';

const BITCOIN = {
  '2025-02-08T00:00Z': { price: '96114.084817386891234567', volume: '41234567890.12', cap: '1903746811536.000000000001' },
  '2025-02-08T06:00Z': { price: '97000.000000000000000001', volume: '41234567891.13', cap: '1903746811537' },
  '2025-02-08T12:00Z': { price: '95000.999999999999999999', volume: '41234567892.14', cap: '1903746811538' },
  '2025-02-08T18:00Z': { price: '96500.5', volume: '41234567893.15', cap: '1903746811539.123456789012345678' },
  '2025-02-09T06:00Z': { price: '98000.25', volume: '50000000000.01', cap: '1900000000000.5' },
  '2025-02-09T18:00Z': { price: '97999.75', volume: '50000000000.02', cap: '1900000000001.5' },
} as const;

type Row = Record<string, unknown>;
const text = (value: unknown) => (value === null ? null : exact(String(value)));

describeEachBackend('gold/daily_coin_summary', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;

  beforeAll(async () => {
    database = await createTestDatabase('daily-summary', { backend });
    pipeline = await startPipeline(database);
    for (const [partition, bitcoin] of Object.entries(BITCOIN)) {
      const rows = fixtureRows();
      const row = rows[0] as JsonObject;
      row['current_price'] = new JsonNumber(bitcoin.price);
      row['total_volume'] = new JsonNumber(bitcoin.volume);
      row['market_cap'] = new JsonNumber(bitcoin.cap);
      pipeline.fake.script({ path: '/coins/markets', status: 200, body: pageBody(rows) });
      const { result } = await pipeline.materialize(partition, 'bronze/coingecko_markets,silver/market_snapshots');
      expect(result.status).toBe('SUCCESS');
    }
  });

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  const day = (key: string) => querySql<Row>(database, 'SELECT * FROM gold.daily_coin_summary WHERE day = $1::date ORDER BY coin_id', [key]);

  it('gives exact open/high/low/close, average volume and close market cap over a full day', async () => {
    const { run, result } = await pipeline.materialize('2025-02-08', 'gold/daily_coin_summary');
    expect(result.status).toBe('SUCCESS');
    expect(run.selection).toBe('gold/daily_coin_summary');
    expect(result.steps[0]?.metadata).toMatchObject({ rows: 250, snapshots: 4 });
    const rows = await day('2025-02-08');
    expect(rows).toHaveLength(250);
    const bitcoin = rows.find((row) => row['coin_id'] === 'bitcoin') as Row;
    const volumes = ['41234567890.12', '41234567891.13', '41234567892.14', '41234567893.15'].map(decimal);
    expect({
      open: text(bitcoin['open_price']),
      high: text(bitcoin['high_price']),
      low: text(bitcoin['low_price']),
      close: text(bitcoin['close_price']),
      volume: text(bitcoin['avg_total_volume']),
      cap: text(bitcoin['market_cap_close']),
      count: bitcoin['snapshot_count'],
    }).toEqual({
      open: '96114.084817386891234567',
      high: '97000.000000000000000001',
      low: '95000.999999999999999999',
      close: '96500.5',
      volume: format(mul(sum(volumes), decimal('0.25'))),
      cap: '1903746811539.123456789012345678',
      count: 4,
    });
    expect(new Date(bitcoin['first_snapshot_at'] as Date).toISOString()).toBe('2025-02-08T00:00:00.000Z');
    expect(new Date(bitcoin['last_snapshot_at'] as Date).toISOString()).toBe('2025-02-08T18:00:00.000Z');
    // A coin with the same recorded price in every snapshot: open = high = low = close.
    const ethereum = rows.find((row) => row['coin_id'] === 'ethereum') as Row;
    expect(new Set([ethereum['open_price'], ethereum['high_price'], ethereum['low_price'], ethereum['close_price']].map(text)).size).toBe(1);
  });

  it('builds a day from the 2 of its 4 snapshots that exist', async () => {
    const { result } = await pipeline.materialize('2025-02-09', 'gold/daily_coin_summary');
    expect(result.status).toBe('SUCCESS');
    expect(result.steps[0]?.metadata).toMatchObject({ rows: 250, snapshots: 2 });
    const bitcoin = (await day('2025-02-09')).find((row) => row['coin_id'] === 'bitcoin') as Row;
    expect([bitcoin['open_price'], bitcoin['high_price'], bitcoin['low_price'], bitcoin['close_price'], bitcoin['avg_total_volume'], bitcoin['market_cap_close'], bitcoin['snapshot_count']].map((v) => (typeof v === 'number' ? v : text(v)))).toEqual([
      '98000.25', '98000.25', '97999.75', '97999.75', '50000000000.015', '1900000000001.5', 2,
    ]);
  });

  it('replaces the day on a rebuild, leaving other days alone', async () => {
    const before = await day('2025-02-08');
    const { result } = await pipeline.materialize('2025-02-08', 'gold/daily_coin_summary');
    expect(result.status).toBe('SUCCESS');
    expect(await day('2025-02-08')).toEqual(before);
    expect(await day('2025-02-09')).toHaveLength(250);
  });

  it('fails a day with no snapshot at all, naming it; a daily backfill skips such a day up front', async () => {
    const { result } = await pipeline.materialize('2025-02-10', 'gold/daily_coin_summary');
    expect(result.status).toBe('FAILURE');
    expect(result.steps[0]?.error).toMatch(/no silver\/market_snapshots partition of 2025-02-10 is materialized/);
    const { backfill, runs } = await createBackfill(pipeline.runtime, { selection: 'gold/*', from: '2025-02-08', to: '2025-02-10' });
    expect(backfill.partitionsKind).toBe('daily');
    expect(runs.map((run) => [run.partitionKey, run.selection])).toEqual([
      ['2025-02-08', 'gold/daily_coin_summary,gold/market_daily'],
      ['2025-02-09', 'gold/daily_coin_summary,gold/market_daily'],
    ]);
    expect(backfill.skipped).toEqual([
      { partition: '2025-02-10', reason: expect.stringMatching(/^gold\/daily_coin_summary needs at least one partition of silver\/market_snapshots/) as unknown as string },
    ]);
  });
});
