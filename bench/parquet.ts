/**
 * Parquet writer bench: writes one snapshot of N CoinGecko `/coins/markets` rows (the real row
 * shape, numbers as decimal text) with each candidate, times it, and checks that DuckDB reads
 * every file back with the right row count and sum(current_price).
 *
 *   npx tsx bench/parquet.ts [rows]
 */
import { createRequire } from 'node:module';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { BasicType } from 'hyparquet-writer';
import {
  MARKET_ROW_COLUMNS,
  toColumns,
  type ColumnType,
  type MarketRow,
} from '../src/pipeline/parquet/index.js';
import { loadMarketFixture } from '../tests/parquet/market-fixture.js';

export interface ParquetBenchOptions {
  /** Rows in the snapshot; the 250 fixture rows are repeated with unique ids. */
  readonly rows?: number;
  /** Candidate names to run; all by default. */
  readonly candidates?: readonly string[];
  /** Timed runs per candidate; the best is reported. */
  readonly repeats?: number;
  readonly log?: (line: string) => void;
}

export interface ParquetBenchResult {
  readonly candidate: string;
  readonly rows: number;
  readonly ms: number;
  readonly rowsPerSecond: number;
  readonly bytes: number;
  readonly duckdbRows: number;
  readonly duckdbSumCurrentPrice: number;
  readonly readBackOk: boolean;
  readonly setupMs: number;
}

type WriteFn = (rows: readonly MarketRow[]) => Promise<Uint8Array>;

interface Candidate {
  readonly name: string;
  readonly write: WriteFn;
  readonly close?: () => void;
  /** One-off start-up cost outside the timed writes (DuckDB instance creation). */
  readonly setupMs?: number;
}

export async function runParquetBench(options: ParquetBenchOptions = {}): Promise<ParquetBenchResult[]> {
  const rowCount = options.rows ?? 15_000;
  const repeats = options.repeats ?? 1;
  const log = options.log ?? ((line: string) => console.log(line));
  const rows = buildSnapshot(rowCount);
  const expectedSum = rows.reduce((sum, row) => sum + (row.current_price === null ? 0 : Number(row.current_price)), 0);

  const dir = await mkdtemp(join(tmpdir(), 'strata-parquet-bench-'));
  const reader = await (await DuckDBInstance.create(':memory:')).connect();
  const candidates = (await buildCandidates()).filter(
    (c) => options.candidates === undefined || options.candidates.includes(c.name),
  );
  const results: ParquetBenchResult[] = [];
  try {
    for (const candidate of candidates) {
      await candidate.write(rows.slice(0, 250)); // warm-up: JIT, lazy module init, DuckDB catalog
      let best = Infinity;
      let bytes: Uint8Array = new Uint8Array();
      for (let i = 0; i < repeats; i++) {
        const started = performance.now();
        bytes = await candidate.write(rows);
        best = Math.min(best, performance.now() - started);
      }
      candidate.close?.();
      const file = join(dir, `${candidate.name.replace(/[^a-z0-9]+/gi, '_')}.parquet`);
      await writeFile(file, bytes);
      const check = await readBack(reader, file);
      const readBackOk = check.rows === rowCount && Math.abs(check.sum - expectedSum) <= 1e-9 * Math.abs(expectedSum);
      results.push({
        candidate: candidate.name,
        rows: rowCount,
        ms: best,
        rowsPerSecond: (rowCount / best) * 1000,
        bytes: (await stat(file)).size,
        duckdbRows: check.rows,
        duckdbSumCurrentPrice: check.sum,
        readBackOk,
        setupMs: candidate.setupMs ?? 0,
      });
    }
  } finally {
    reader.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
  log(formatTable(results, expectedSum));
  return results;
}

function buildSnapshot(count: number): MarketRow[] {
  const { rows: page } = loadMarketFixture();
  return Array.from({ length: count }, (_, i) => {
    const row = page[i % page.length] as MarketRow;
    const copy = Math.floor(i / page.length);
    return copy === 0 ? row : { ...row, id: `${row.id}-${copy}` };
  });
}

async function readBack(connection: DuckDBConnection, file: string): Promise<{ rows: number; sum: number }> {
  const reader = await connection.runAndReadAll(
    `SELECT count(*)::BIGINT AS n, sum(current_price)::DOUBLE AS s FROM read_parquet('${file.replaceAll("'", "''")}')`,
  );
  const [row] = reader.getRowObjects();
  return { rows: Number(row?.n ?? -1), sum: Number(row?.s ?? NaN) };
}

async function buildCandidates(): Promise<Candidate[]> {
  const require = createRequire(import.meta.url);
  const lite = require('parquetjs-lite') as ParquetjsModule;
  const dsnp = require('@dsnp/parquetjs') as ParquetjsModule;
  return [
    { name: 'parquetjs-lite', write: parquetjsWriter(lite) },
    { name: '@dsnp/parquetjs', write: parquetjsWriter(dsnp) },
    { name: 'hyparquet-writer', write: hyparquetWrite },
    await duckdbCandidate(),
  ];
}

// parquetjs-lite has no type declarations; this is the part of its API (shared by the
// @dsnp/parquetjs fork) that the bench uses.
interface ParquetjsWriter {
  appendRow(row: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}
interface ParquetjsModule {
  ParquetSchema: new (fields: Record<string, { type: string; optional?: boolean }>) => object;
  ParquetWriter: {
    openStream(
      schema: object,
      stream: { write(chunk: Buffer, cb: (err?: Error | null) => void): void; end(cb: (err?: Error | null) => void): void },
      opts?: Record<string, unknown>,
    ): Promise<ParquetjsWriter>;
  };
}

const PARQUETJS_TYPE: Record<ColumnType, string> = { string: 'UTF8', double: 'DOUBLE', json: 'UTF8' };

function parquetjsWriter(lib: ParquetjsModule): WriteFn {
  const schema = new lib.ParquetSchema(
    Object.fromEntries(MARKET_ROW_COLUMNS.map((c) => [c.name, { type: PARQUETJS_TYPE[c.type], optional: true }])),
  );
  return async (rows) => {
    const chunks: Buffer[] = [];
    const stream = {
      write(chunk: Buffer, cb: (err?: Error | null) => void) {
        chunks.push(Buffer.from(chunk));
        cb();
      },
      end(cb: (err?: Error | null) => void) {
        cb();
      },
    };
    const writer = await lib.ParquetWriter.openStream(schema, stream, { rowGroupSize: rows.length });
    const columns = toColumns(rows, MARKET_ROW_COLUMNS);
    for (let i = 0; i < rows.length; i++) {
      const record: Record<string, unknown> = {};
      MARKET_ROW_COLUMNS.forEach((c, j) => {
        const value = columns[j]?.[i];
        if (value !== null && value !== undefined) record[c.name] = value;
      });
      await writer.appendRow(record);
    }
    await writer.close();
    return new Uint8Array(Buffer.concat(chunks));
  };
}

const HYPARQUET_TYPE: Record<ColumnType, BasicType> = { string: 'STRING', double: 'DOUBLE', json: 'STRING' };

async function hyparquetWrite(rows: readonly MarketRow[]): Promise<Uint8Array> {
  const columns = toColumns(rows, MARKET_ROW_COLUMNS);
  const columnData = MARKET_ROW_COLUMNS.map((c, i) => ({
    name: c.name,
    data: columns[i] ?? [],
    type: HYPARQUET_TYPE[c.type],
  }));
  return new Uint8Array(parquetWriteBuffer({ columnData, rowGroupSize: rows.length }));
}

const DUCKDB_TYPE: Record<ColumnType, string> = { string: 'VARCHAR', double: 'DOUBLE', json: 'VARCHAR' };

// DuckDB cannot COPY to memory, so it writes a temp file and reads the bytes back; that cost
// is part of the timing because the bronze store wants bytes. Instance start-up is not timed.
async function duckdbCandidate(): Promise<Candidate> {
  const started = performance.now();
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const setupMs = performance.now() - started;
  const dir = await mkdtemp(join(tmpdir(), 'strata-duckdb-copy-'));
  const ddl = MARKET_ROW_COLUMNS.map((c) => `"${c.name}" ${DUCKDB_TYPE[c.type]}`).join(', ');
  let n = 0;
  return {
    name: 'duckdb appender+COPY',
    setupMs,
    close: () => {
      connection.closeSync();
      instance.closeSync();
      void rm(dir, { recursive: true, force: true });
    },
    async write(rows) {
      const table = `snapshot_${n++}`;
      const file = join(dir, `${table}.parquet`);
      await connection.run(`CREATE TABLE ${table} (${ddl})`);
      const appender = await connection.createAppender(table);
      const columns = toColumns(rows, MARKET_ROW_COLUMNS);
      for (let i = 0; i < rows.length; i++) {
        for (let j = 0; j < MARKET_ROW_COLUMNS.length; j++) {
          const value = columns[j]?.[i] ?? null;
          if (value === null) appender.appendNull();
          else if (typeof value === 'number') appender.appendDouble(value);
          else appender.appendVarchar(value);
        }
        appender.endRow();
      }
      appender.closeSync();
      await connection.run(`COPY ${table} TO '${file}' (FORMAT parquet)`);
      await connection.run(`DROP TABLE ${table}`);
      const bytes = await readFile(file);
      await rm(file);
      return new Uint8Array(bytes);
    },
  };
}

function formatTable(results: readonly ParquetBenchResult[], expectedSum: number): string {
  const lines = [
    `| candidate | rows | time (ms) | rows/s | file size (bytes) | DuckDB rows | DuckDB sum(current_price) | read-back | setup (ms) |`,
    `|---|---:|---:|---:|---:|---:|---:|---|---:|`,
    ...results.map(
      (r) =>
        `| ${r.candidate} | ${r.rows} | ${r.ms.toFixed(0)} | ${Math.round(r.rowsPerSecond).toLocaleString('en-US')} | ` +
        `${r.bytes.toLocaleString('en-US')} | ${r.duckdbRows} | ${r.duckdbSumCurrentPrice.toFixed(4)} | ${r.readBackOk ? 'ok' : 'MISMATCH'} | ${r.setupMs.toFixed(0)} |`,
    ),
    `expected sum(current_price) from the JSON: ${expectedSum.toFixed(4)}`,
  ];
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
  await runParquetBench(rows === undefined ? {} : { rows });
}
