import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { createParquetWriter, MARKET_ROW_COLUMNS, type MarketRow } from '../../src/pipeline/parquet/index.js';
import { loadMarketFixture } from './market-fixture.js';

const { rows } = loadMarketFixture();
const writer = createParquetWriter();
let dir: string;
let instance: DuckDBInstance;
let duck: DuckDBConnection;

async function writeToFile(name: string, data: readonly MarketRow[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, await writer.writeParquet(data, MARKET_ROW_COLUMNS));
  return file;
}

async function query(sql: string): Promise<Record<string, unknown>[]> {
  return (await duck.runAndReadAll(sql)).getRowObjects();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-parquet-'));
  instance = await DuckDBInstance.create(':memory:');
  duck = await instance.connect();
});
afterAll(async () => {
  duck.closeSync();
  instance.closeSync();
  await rm(dir, { recursive: true, force: true });
});

describe('createParquetWriter on the real 250-row /coins/markets page', () => {
  let file: string;
  let back: Record<string, unknown>[];

  beforeAll(async () => {
    file = await writeToFile('markets.parquet', rows);
    back = await query(`SELECT * EXCLUDE (file_row_number) FROM read_parquet('${file}', file_row_number = true) ORDER BY file_row_number`);
  });

  it('DuckDB reads the same row count and sum(current_price)', async () => {
    const expected = rows.reduce((sum, r) => sum + (r.current_price === null ? 0 : Number(r.current_price)), 0);
    const [agg] = await query(`SELECT count(*)::INTEGER AS n, sum(current_price) AS s FROM read_parquet('${file}')`);
    expect(rows).toHaveLength(250);
    expect(agg?.n).toBe(250);
    expect(agg?.s as number).toBeCloseTo(expected, 6);
  });

  it('has one typed column per spec: DOUBLE for decimals, VARCHAR for text', async () => {
    const described = await query(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
    expect(described.map((c) => c.column_name)).toEqual(MARKET_ROW_COLUMNS.map((c) => c.name));
    for (const spec of MARKET_ROW_COLUMNS) {
      const type = described.find((c) => c.column_name === spec.name)?.column_type;
      expect([spec.name, type]).toEqual([spec.name, spec.type === 'double' ? 'DOUBLE' : 'VARCHAR']);
    }
  });

  it('keeps ids, symbols, names and timestamps exactly, in order', () => {
    for (const name of ['id', 'symbol', 'name', 'image', 'ath_date', 'atl_date', 'last_updated'] as const) {
      expect(back.map((r) => r[name])).toEqual(rows.map((r) => r[name]));
    }
    expect(back.map((r) => r.symbol)).toContain('btc.b');
  });

  it('stores every decimal as the nearest double of its source text, nulls as nulls', () => {
    const doubles = MARKET_ROW_COLUMNS.filter((c) => c.type === 'double');
    rows.forEach((row, i) => {
      for (const { name } of doubles) {
        const source = row[name];
        expect([row.id, name, back[i]?.[name]]).toEqual([row.id, name, source === null ? null : Number(source)]);
      }
    });
    const nulls = (name: keyof MarketRow) => back.filter((r) => r[name] === null).length;
    expect(nulls('max_supply')).toBe(117);
    expect(nulls('price_change_percentage_1y_in_currency')).toBe(57);
    expect(nulls('price_change_percentage_1h_in_currency')).toBe(3);
    expect(nulls('price_change_percentage_7d_in_currency')).toBe(250);
    const stale = back.find((r) => r.id === 'resolv-wstusr');
    expect([stale?.high_24h, stale?.low_24h, stale?.price_change_24h]).toEqual([null, null, null]);
  });

  it('keeps an exponent-notation value such as -6.0e-05 as its double', () => {
    const index = rows.findIndex((r) => MARKET_ROW_COLUMNS.some((c) => c.type === 'double' && /e/i.test(String(r[c.name]))));
    expect(index).toBeGreaterThanOrEqual(0);
    const row = rows[index] as MarketRow;
    const column = MARKET_ROW_COLUMNS.find((c) => c.type === 'double' && /e/i.test(String(row[c.name])));
    expect(back[index]?.[column?.name ?? '']).toBe(Number(row[column?.name ?? 'id']));
  });

  it('writes roi as JSON with numbers as numbers, null when absent', () => {
    expect(back.filter((r) => r.roi === null)).toHaveLength(217);
    rows.forEach((row, i) => {
      if (row.roi === null) return;
      expect(JSON.parse(String(back[i]?.roi))).toEqual({
        times: Number(row.roi.times),
        currency: row.roi.currency,
        percentage: Number(row.roi.percentage),
      });
    });
  });
});

describe('createParquetWriter edges', () => {
  it('writes a readable file with zero rows', async () => {
    const file = await writeToFile('empty.parquet', []);
    const [agg] = await query(`SELECT count(*)::INTEGER AS n FROM read_parquet('${file}')`);
    expect(agg?.n).toBe(0);
  });

  it('rejects a decimal that is not number text, naming the row and column', async () => {
    const bad = [rows[0] as MarketRow, { ...(rows[1] as MarketRow), current_price: '12,5' }];
    const attempt = writer.writeParquet(bad, MARKET_ROW_COLUMNS);
    await expect(attempt).rejects.toThrow(ValidationError);
    await expect(writer.writeParquet(bad, MARKET_ROW_COLUMNS)).rejects.toThrow('row 1, column current_price');
  });
});
