/**
 * Silver load bench: N synthetic `/coins/markets` rows, spread over snapshots of
 * `snapshotSize` rows, loaded (a) through Strata's real path, one transaction per snapshot
 * (`loadMarketSnapshots`: delete the snapshot's rows, COPY straight into
 * silver.market_snapshots, merge coins), and (b) by `psql \copy` of the same final rows from a
 * CSV file into an identical table: same columns (the derived ones generated), PK, index and
 * (deferrable) FK to a coins table holding the same coins; and once more into the same table
 * without the FK. Then (c) silver is emptied and loaded again from the same rows as raw JSON
 * pages of 250, the way the silver asset does it (`loadMarketPages`: parse, validate, drift,
 * COPY, the unified quotes, quarantine). Reports the rates and strata/psql for each, checks
 * the tables hold the same rows, and breaks (a) down by statement.
 *
 *   npm run bench -- load [--rows 1000000] [--snapshot-size 15000]
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { migrateAll } from '../src/runtime.js';
import { loadMarketPages, type MarketPage } from '../src/pipeline/silver/load-market-pages.js';
import { loadMarketSnapshots } from '../src/pipeline/silver/load-market-snapshots.js';
import { createMarketRowSplitter, ROW_COPY_COLUMNS, rowCopyLine } from '../src/pipeline/silver/market-rows.js';
import { loadSql } from '../src/pipeline/sql-files.js';
import { marketPages } from './market-pages.js';
import { csvField, openDatabase, type SqlSession, type StrataDatabase } from '../src/storage/index.js';
import { derivedMismatchSql, finalRowsSql } from './final-market-rows.js';
import { createScratchDatabase } from './scratch-database.js';
import { coinUniverse, planSnapshots, snapshotRows, type SnapshotPlan } from './synthetic-markets.js';

export interface LoadBenchOptions {
  readonly adminUrl: string;
  readonly rows?: number;
  readonly snapshotSize?: number;
  readonly seed?: number;
  /** Run the psql side first (the default is Strata first), to see whether order matters. */
  readonly psqlFirst?: boolean;
  /** Skip the full EXCEPT ALL comparison of the two tables (counts and spot checks still run). */
  readonly skipDiff?: boolean;
  readonly log?: (line: string) => void;
}

export interface LoadBenchResult {
  readonly rows: number;
  readonly snapshots: number;
  readonly strataMs: number;
  /** psql into the identical table (with the FK). */
  readonly psqlMs: number;
  /** psql into the same table without the FK (what the bench compared against before). */
  readonly psqlNoFkMs: number;
  readonly strataRowsPerSecond: number;
  readonly psqlRowsPerSecond: number;
  readonly psqlNoFkRowsPerSecond: number;
  readonly ratio: number;
  readonly ratioNoFk: number;
  /** (c): the same rows from raw JSON pages, parse + validate + load (snapshots, quotes, quarantine, drift). */
  readonly pagesMs: number;
  readonly pagesRowsPerSecond: number;
  /** psql (with FK) / pages. */
  readonly pagesRatio: number;
  /** JS time to parse and validate the pages, measured apart; part of `pagesMs`. */
  readonly parseValidateMs: number;
  /** Strata's time by statement, ms; `other` is BEGIN, COMMIT and pool round trips. */
  readonly phases: Readonly<Record<string, number>>;
  /** JS time to turn the rows into COPY lines, measured apart; part of `copy`. */
  readonly csvEncodeMs: number;
  readonly verified: boolean;
}

const PHASES = ['delete snapshot', 'copy', 'merge coins'] as const;
type Phase = (typeof PHASES)[number] | 'other';

export async function runLoadBench(options: LoadBenchOptions): Promise<LoadBenchResult> {
  const rowCount = options.rows ?? 1_000_000;
  const snapshotSize = options.snapshotSize ?? 15_000;
  const seed = options.seed ?? 1;
  const log = options.log ?? ((line: string) => console.log(line));
  const plans = planSnapshots(rowCount, snapshotSize);
  const coins = coinUniverse(Math.min(snapshotSize, rowCount), seed);
  const rowsOf = (plan: SnapshotPlan) => snapshotRows(coins, plan, seed);

  const dir = await mkdtemp(join(tmpdir(), 'strata-load-bench-'));
  const scratch = await createScratchDatabase(options.adminUrl);
  log(`scratch database ${scratch.name}; ${rowCount.toLocaleString('en-US')} rows in ${plans.length} snapshots of ≤${snapshotSize.toLocaleString('en-US')}`);
  let database: StrataDatabase | undefined;
  const admin = new pg.Client({ connectionString: scratch.url });
  try {
    database = await openDatabase({ databaseUrl: scratch.url, dataDir: dir, maxConnections: 1 });
    await migrateAll(database);
    await admin.connect();

    let started = performance.now();
    const finalCsv = join(dir, 'final.csv');
    const columns = await tableColumns(admin, 'silver', 'market_snapshots');
    // Identical to silver: INCLUDING ALL copies the generated columns, PK, index and CHECK, not
    // the FK, so it is added (deferrable, as silver's) against bench_coins, filled (before
    // timing) with the same coins.
    await admin.query('CREATE TABLE bench_coins (LIKE silver.coins INCLUDING ALL)');
    await admin.query(
      'CREATE TABLE bench_copy_fk (LIKE silver.market_snapshots INCLUDING ALL, FOREIGN KEY (coin_id) REFERENCES bench_coins (coin_id) DEFERRABLE INITIALLY IMMEDIATE)',
    );
    await admin.query('CREATE TABLE bench_copy (LIKE silver.market_snapshots INCLUDING ALL)');
    await writeFinalCsv(admin, plans, rowsOf, columns, join(dir, 'source.csv'), finalCsv);
    const csvEncodeMs = measureCsvEncoding(plans, rowsOf);
    log(`prepared ${finalCsv} (${((await stat(finalCsv)).size / 1e6).toFixed(0)} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const phases = new Map<Phase, number>();
    const runStrata = async () => {
      await admin.query('CHECKPOINT');
      return timeStrataLoad(database as StrataDatabase, plans, rowsOf, phases);
    };
    const runPsql = async (table: string) => {
      await admin.query('CHECKPOINT');
      return timePsqlCopy(scratch.url, table, columns, finalCsv);
    };
    let strataMs: number;
    let psqlMs: number;
    let psqlNoFkMs: number;
    if (options.psqlFirst) {
      psqlMs = await runPsql('bench_copy_fk');
      psqlNoFkMs = await runPsql('bench_copy');
      strataMs = await runStrata();
    } else {
      strataMs = await runStrata();
      psqlMs = await runPsql('bench_copy_fk');
      psqlNoFkMs = await runPsql('bench_copy');
    }

    log(`timed: strata ${(strataMs / 1000).toFixed(2)} s, psql with FK ${(psqlMs / 1000).toFixed(2)} s, psql without FK ${(psqlNoFkMs / 1000).toFixed(2)} s`);
    started = performance.now();
    let verified = await verify(admin, rowCount, coins[0]?.id ?? '', plans, options.skipDiff ?? false, log);
    log(`verified in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    // (c) From an empty silver again, so it pays for new coins as (a) did.
    await admin.query('TRUNCATE silver.market_snapshots, silver.market_quotes, silver.quarantine, silver.coins');
    await admin.query('CHECKPOINT');
    const pages = await timePagesLoad(database, plans, rowsOf);
    log(`timed: strata from pages ${(pages / 1000).toFixed(2)} s`);
    const parseValidateMs = measureParseValidate(plans, rowsOf);
    verified = (await verifyPages(admin, rowCount, options.skipDiff ?? false, log)) && verified;

    const result: LoadBenchResult = {
      rows: rowCount,
      snapshots: plans.length,
      strataMs,
      psqlMs,
      psqlNoFkMs,
      strataRowsPerSecond: (rowCount / strataMs) * 1000,
      psqlRowsPerSecond: (rowCount / psqlMs) * 1000,
      psqlNoFkRowsPerSecond: (rowCount / psqlNoFkMs) * 1000,
      ratio: psqlMs / strataMs,
      ratioNoFk: psqlNoFkMs / strataMs,
      pagesMs: pages,
      pagesRowsPerSecond: (rowCount / pages) * 1000,
      pagesRatio: psqlMs / pages,
      parseValidateMs,
      phases: Object.fromEntries(phases),
      csvEncodeMs,
      verified,
    };
    log(formatResult(result));
    return result;
  } finally {
    await admin.end().catch(() => undefined);
    await database?.close();
    await scratch.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Strata's load, one `withSession` per snapshot; only the load is timed, not generating the rows. */
async function timeStrataLoad(
  database: StrataDatabase,
  plans: readonly SnapshotPlan[],
  rowsOf: (plan: SnapshotPlan) => ReturnType<typeof snapshotRows>,
  phases: Map<Phase, number>,
): Promise<number> {
  let total = 0;
  for (const plan of plans) {
    const rows = rowsOf(plan);
    const started = performance.now();
    const loaded = await database.withSession((session) => loadMarketSnapshots(profiled(session, phases), plan.snapshotAt, [rows]));
    const elapsed = performance.now() - started;
    total += elapsed;
    if (loaded !== plan.rows) throw new Error(`snapshot ${plan.snapshotAt}: loaded ${loaded} rows, expected ${plan.rows}`);
  }
  const inStatements = [...phases.values()].reduce((a, b) => a + b, 0);
  phases.set('other', total - inStatements);
  return total;
}

/** (c): each snapshot's rows as JSON pages (made untimed), then the silver asset's load of them, timed. */
async function timePagesLoad(
  database: StrataDatabase,
  plans: readonly SnapshotPlan[],
  rowsOf: (plan: SnapshotPlan) => ReturnType<typeof snapshotRows>,
): Promise<number> {
  let total = 0;
  for (const plan of plans) {
    const pages = marketPages(rowsOf(plan));
    const started = performance.now();
    const loaded = await database.withSession((session) =>
      loadMarketPages(session, fromArray(pages), {
        assetKey: 'silver/market_snapshots',
        partitionKey: plan.snapshotAt,
        snapshotAt: plan.snapshotAt,
        seenAt: new Date(plan.snapshotAt),
      }),
    );
    total += performance.now() - started;
    if (loaded.rows !== plan.rows || loaded.quarantined.length !== 0) {
      throw new Error(`snapshot ${plan.snapshotAt} from pages: loaded ${loaded.rows} rows (expected ${plan.rows}), quarantined ${loaded.quarantined.length}`);
    }
  }
  return total;
}

async function* fromArray(pages: readonly MarketPage[]): AsyncGenerator<MarketPage> {
  yield* pages;
}

/** How much of (c) is Node parsing and validating the pages (done again here, apart). */
function measureParseValidate(plans: readonly SnapshotPlan[], rowsOf: (plan: SnapshotPlan) => ReturnType<typeof snapshotRows>): number {
  let total = 0;
  let rows = 0;
  for (const plan of plans) {
    const pages = marketPages(rowsOf(plan));
    const started = performance.now();
    const splitter = createMarketRowSplitter();
    for (const page of pages) rows += splitter.splitPage(page).staged.length;
    total += performance.now() - started;
  }
  return rows > 0 ? total : 0;
}

/** The psql process end to end: start-up, connect, `\copy`, commit, exit. */
async function timePsqlCopy(url: string, table: string, columns: readonly string[], csvFile: string): Promise<number> {
  const command = `\\copy ${table} (${columns.join(', ')}) FROM '${csvFile}' WITH (FORMAT csv)`;
  const started = performance.now();
  const { code, stdout, stderr } = await run('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', command]);
  const elapsed = performance.now() - started;
  if (code !== 0) throw new Error(`psql exited with ${code}: ${stderr || stdout}`);
  return elapsed;
}

/** Wraps a session to add each statement's time to its phase. */
function profiled(session: SqlSession, phases: Map<Phase, number>): SqlSession {
  const add = (phase: Phase, started: number) => phases.set(phase, (phases.get(phase) ?? 0) + performance.now() - started);
  return {
    async query(sql, parameters) {
      const started = performance.now();
      try {
        return await session.query(sql, parameters);
      } finally {
        add(phaseOf(sql), started);
      }
    },
    async copyFrom(copySql, lines) {
      const started = performance.now();
      try {
        return await session.copyFrom(copySql, lines);
      } finally {
        add('copy', started);
      }
    },
  };
}

function phaseOf(sql: string): Phase {
  if (sql === loadSql('silver/merge_coins.sql')) return 'merge coins';
  return sql.startsWith('DELETE FROM silver.market_snapshots') ? 'delete snapshot' : 'other';
}

/**
 * The psql side's input: the generated rows go to Postgres as staged text (the same CSV lines
 * Strata sends, plus snapshot_at), and come back typed as CSV (the derived columns are
 * generated by the table on both sides). bench_coins gets each coin's first row.
 */
async function writeFinalCsv(
  client: pg.Client,
  plans: readonly SnapshotPlan[],
  rowsOf: (plan: SnapshotPlan) => ReturnType<typeof snapshotRows>,
  columns: readonly string[],
  sourceCsv: string,
  finalCsv: string,
): Promise<void> {
  async function* sourceLines() {
    for (const plan of plans) {
      const snapshotAt = csvField(plan.snapshotAt);
      for (const row of rowsOf(plan)) yield `${snapshotAt},${rowCopyLine(row)}`;
    }
  }
  await pipeline(Readable.from(sourceLines()), createWriteStream(sourceCsv));
  const sourceColumns = ['snapshot_at', ...ROW_COPY_COLUMNS];
  await client.query(
    `CREATE UNLOGGED TABLE bench_source (${sourceColumns.map((c) => `${c} ${c === 'source_row' ? 'integer' : 'text'}`).join(', ')})`,
  );
  await pipeline(createReadStream(sourceCsv), client.query(copyFrom(`COPY bench_source (${sourceColumns.join(', ')}) FROM STDIN WITH (FORMAT csv)`)));
  await pipeline(client.query(copyTo(`COPY (${finalRowsSql('bench_source', columns)}) TO STDOUT WITH (FORMAT csv)`)), createWriteStream(finalCsv));
  await client.query(
    `INSERT INTO bench_coins (coin_id, symbol, name, image, first_seen_at)
     SELECT DISTINCT ON (coin_id) coin_id, symbol, name, image, snapshot_at::timestamptz FROM bench_source ORDER BY coin_id, snapshot_at`,
  );
  await client.query('DROP TABLE bench_source');
  await rm(sourceCsv);
}

/** How much of `copy` is Node turning rows into CSV lines (done again here, untimed in the load). */
function measureCsvEncoding(plans: readonly SnapshotPlan[], rowsOf: (plan: SnapshotPlan) => ReturnType<typeof snapshotRows>): number {
  let total = 0;
  let bytes = 0;
  for (const plan of plans) {
    const rows = rowsOf(plan);
    const started = performance.now();
    for (const row of rows) bytes += rowCopyLine(row).length;
    total += performance.now() - started;
  }
  // Reading `bytes` keeps the encoding from being optimised away.
  return bytes > 0 ? total : 0;
}

async function tableColumns(client: pg.Client, schema: string, table: string): Promise<string[]> {
  const { rows } = await client.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
     WHERE table_schema = $1 AND table_name = $2 AND is_generated = 'NEVER' ORDER BY ordinal_position`,
    [schema, table],
  );
  return rows.map((r) => r.column_name);
}

async function verify(
  client: pg.Client,
  rowCount: number,
  topCoin: string,
  plans: readonly SnapshotPlan[],
  skipDiff: boolean,
  log: (line: string) => void,
): Promise<boolean> {
  const tables = ['silver.market_snapshots', 'bench_copy_fk', 'bench_copy'];
  const count = async (sql: string) => Number((await client.query<{ n: string }>(sql)).rows[0]?.n);
  const counts: number[] = [];
  for (const table of tables) counts.push(await count(`SELECT count(*) AS n FROM ${table}`));
  let ok = counts.every((n) => n === rowCount);
  log(`rows: ${tables.map((table, i) => `${table} ${counts[i]}`).join(', ')} (expected ${rowCount})`);

  // The derived columns are generated on both sides: check them against the bench's own definitions.
  const wrongDerived = await count(derivedMismatchSql('silver.market_snapshots'));
  ok &&= wrongDerived === 0;
  log(`rows whose derived columns differ from bench/final-market-rows.ts: ${wrongDerived}`);

  if (!skipDiff) {
    await client.query(`SET work_mem = '256MB'`);
    const onlyIn = (a: string, b: string) => count(`SELECT count(*) AS n FROM (SELECT * FROM ${a} EXCEPT ALL SELECT * FROM ${b}) d`);
    for (const other of tables.slice(1)) {
      const strataOnly = await onlyIn('silver.market_snapshots', other);
      const psqlOnly = await onlyIn(other, 'silver.market_snapshots');
      ok &&= strataOnly === 0 && psqlOnly === 0;
      log(`rows in silver and not ${other} (EXCEPT ALL, all columns): ${strataOnly}; the other way: ${psqlOnly}`);
    }
  }

  // Numeric equality ignores scale (1.0 = 1.00): compare the values' text too.
  const middle = plans[Math.floor(plans.length / 2)];
  if (middle !== undefined) {
    const rowText = async (table: string) =>
      (
        await client.query<{ j: string }>(`SELECT to_jsonb(t)::text AS j FROM ${table} t WHERE coin_id = $1 AND snapshot_at = $2`, [
          topCoin,
          middle.snapshotAt,
        ])
      ).rows[0]?.j;
    const strata = await rowText('silver.market_snapshots');
    const same = strata !== undefined && (await rowText('bench_copy_fk')) === strata && (await rowText('bench_copy')) === strata;
    ok &&= same;
    const values = strata === undefined ? {} : (JSON.parse(strata) as Record<string, unknown>);
    log(
      `spot check ${topCoin} @ ${middle.snapshotAt}: ${same ? 'identical' : 'DIFFERENT'} ` +
        `(current_price ${String(values.current_price)}, market_cap ${String(values.market_cap)}, volume_to_mcap_ratio ${String(values.volume_to_mcap_ratio)})`,
    );
  }
  return ok;
}

/**
 * (c) against the psql table: pages name their file and row within the page (page-003.json, 17)
 * where (a) named one file per snapshot, so those two columns are left out of the comparison.
 */
async function verifyPages(client: pg.Client, rowCount: number, skipDiff: boolean, log: (line: string) => void): Promise<boolean> {
  const count = async (sql: string) => Number((await client.query<{ n: string }>(sql)).rows[0]?.n);
  const snapshots = await count('SELECT count(*) AS n FROM silver.market_snapshots');
  const quotes = await count(`SELECT count(*) AS n FROM silver.market_quotes WHERE source = 'coingecko'`);
  const quarantined = await count('SELECT count(*) AS n FROM silver.quarantine');
  let ok = snapshots === rowCount && quotes === rowCount && quarantined === 0;
  log(`from pages: silver.market_snapshots ${snapshots}, silver.market_quotes ${quotes}, quarantine ${quarantined} (expected ${rowCount}, ${rowCount}, 0)`);
  if (!skipDiff) {
    const { rows } = await client.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns
       WHERE table_schema = 'silver' AND table_name = 'market_snapshots' AND column_name NOT IN ('source_file', 'source_row') ORDER BY ordinal_position`,
    );
    const columns = rows.map((r) => r.column_name).join(', ');
    const onlyIn = (a: string, b: string) => count(`SELECT count(*) AS n FROM (SELECT ${columns} FROM ${a} EXCEPT ALL SELECT ${columns} FROM ${b}) d`);
    const pagesOnly = await onlyIn('silver.market_snapshots', 'bench_copy_fk');
    const psqlOnly = await onlyIn('bench_copy_fk', 'silver.market_snapshots');
    ok &&= pagesOnly === 0 && psqlOnly === 0;
    log(`rows from pages and not in bench_copy_fk (EXCEPT ALL, all columns but source_file/source_row): ${pagesOnly}; the other way: ${psqlOnly}`);
  }
  return ok;
}

function formatResult(r: LoadBenchResult): string {
  const rate = (n: number) => Math.round(n).toLocaleString('en-US');
  const phaseLines = [...PHASES, 'other' as const].map((p) => {
    const ms = r.phases[p] ?? 0;
    return `  ${p.padEnd(16)} ${(ms / 1000).toFixed(2).padStart(8)} s  ${((ms / r.strataMs) * 100).toFixed(1).padStart(5)} %`;
  });
  return [
    `strata (loadMarketSnapshots, ${r.snapshots} transactions): ${(r.strataMs / 1000).toFixed(2)} s, ${rate(r.strataRowsPerSecond)} rows/s`,
    ...phaseLines,
    `  (of copy, Node encoding CSV lines ≈ ${(r.csvEncodeMs / 1000).toFixed(2)} s)`,
    `psql \\copy, identical table (with FK): ${(r.psqlMs / 1000).toFixed(2)} s, ${rate(r.psqlRowsPerSecond)} rows/s`,
    `psql \\copy, same table without FK:     ${(r.psqlNoFkMs / 1000).toFixed(2)} s, ${rate(r.psqlNoFkRowsPerSecond)} rows/s`,
    `ratio strata/psql: ${r.ratio.toFixed(3)} with FK, ${r.ratioNoFk.toFixed(3)} without (goal ≥ 0.9 with FK)`,
    `strata from raw JSON pages (loadMarketPages: parse + validate + snapshots + quotes + quarantine): ${(r.pagesMs / 1000).toFixed(2)} s, ${rate(r.pagesRowsPerSecond)} rows/s`,
    `  (of which Node parsing and validating the pages ≈ ${(r.parseValidateMs / 1000).toFixed(2)} s)`,
    `ratio pages/psql (with FK): ${r.pagesRatio.toFixed(3)}`,
    `verified: ${r.verified ? 'yes' : 'NO'}`,
  ].join('\n');
}

function run(command: string, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
