/**
 * `strata import` of a large CSV on Postgres: a synthetic file of `lines` quotes (every column,
 * `coins` coins at hourly snapshots), timed as the CLI does it: read + validate before the
 * database opens, then the load transaction. Then the same file again (the newest import of the
 * source has these bytes: a no-op by lookup), and once more with the source's import record
 * deleted, which takes that short-cut away: the upsert compares every row and must write none.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadCsvImport, prepareCsvImport, type CsvImportResult } from '../src/pipeline/imports/csv-import.js';
import { migrateAll } from '../src/runtime.js';
import { openDatabase } from '../src/storage/index.js';
import { createScratchDatabase } from './scratch-database.js';

export interface ImportBenchOptions {
  readonly lines: number;
  readonly adminUrl: string;
}

const HEADER = 'coin_id,snapshot_at,symbol,name,price_usd,market_cap_usd,total_volume_usd,market_cap_rank,circulating_supply,total_supply,max_supply,price_change_percentage_24h,last_updated';
const COINS = 500;
const START = Date.parse('2026-01-01T00:00:00Z');

/** Line `index` (0-based): coin index % COINS, snapshot index / COINS hours after START. */
function csvLine(index: number): string {
  const coin = index % COINS;
  const at = new Date(START + Math.floor(index / COINS) * 3_600_000).toISOString();
  const price = (1000 / (coin + 1) + (index % 97) / 1000).toFixed(8);
  const supply = String(1_000_000 * (coin + 1));
  return [`coin-${coin}`, at, `c${coin}`, `Coin ${coin}`, price, `${Number(price) * Number(supply)}`, String(5_000 * (coin + 1)), String(coin + 1), supply, supply, coin % 3 === 0 ? '' : supply, ((index % 200) / 10 - 10).toFixed(2), at].join(',');
}

export async function runImportBench(options: ImportBenchOptions): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-bench-import-'));
  const scratch = await createScratchDatabase(options.adminUrl, 'strata_bench_import');
  const database = await openDatabase({ databaseUrl: scratch.url, dataDir: dir });
  try {
    await migrateAll(database);
    const text = `${HEADER}\n${Array.from({ length: options.lines }, (_, index) => csvLine(index)).join('\n')}\n`;
    const file = join(dir, 'quotes.csv');
    await writeFile(file, text);
    const megabytes = (Buffer.byteLength(text) / 1e6).toFixed(1);

    const rows: [string, number, CsvImportResult][] = [];
    const prepare = await timed(() => prepareCsvImport(file, 'bench'));
    const first = await timed(() => loadCsvImport(database, prepare.value, { now: new Date() }));
    rows.push(['first import: load', first.ms, first.value]);
    const again = await timed(async () => loadCsvImport(database, await prepareCsvImport(file, 'bench'), { now: new Date() }));
    rows.push(['same file again (read + validate + lookup)', again.ms, again.value]);
    await sql`DELETE FROM silver.imports WHERE source = 'bench'`.execute(database.db);
    const other = await timed(async () => loadCsvImport(database, await prepareCsvImport(file, 'bench'), { now: new Date() }));
    rows.push(['same file, import record deleted (read + validate + compare every row)', other.ms, other.value]);

    console.log(`\nCSV import, Postgres: ${options.lines.toLocaleString('en-US')} lines, ${megabytes} MB\n`);
    console.log('| step | time | status | inserted | updated | unchanged |\n|---|---:|---|---:|---:|---:|');
    console.log(`| first import: read + validate | ${seconds(prepare.ms)} | | | | |`);
    for (const [name, ms, result] of rows) {
      console.log(`| ${name} | ${seconds(ms)} | ${result.status} | ${result.inserted} | ${result.updated} | ${result.unchanged} |`);
    }
    if (other.value.inserted + other.value.updated > 0) {
      console.log('\nThe second load wrote rows: an import of equal rows must write nothing.');
      process.exitCode = 1;
    }
  } finally {
    await database.close();
    await scratch.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
