/**
 * The shipped pipeline over the whole universe, on each engine: the fake CoinGecko serving
 * `coins` coins (250 recorded, the rest synthetic copies), one run of every asset for the current
 * partition, timed as a whole and per step. On PGlite it also times what every start and every
 * test file pays: a fresh data directory (initdb in WASM), the migrations, and a copy of the
 * migrated directory opened and queried once (what tests/helpers/test-database.ts does per file).
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.js';
import { materialize } from '../src/daemon/execute-run.js';
import { createLogger } from '../src/logger.js';
import { startFakeCoinGecko } from '../src/pipeline/fake-coingecko/index.js';
import { migrateAll, openRuntime } from '../src/runtime.js';
import { openDatabase, type StrataDatabase } from '../src/storage/index.js';
import type { BenchEngine } from './orchestration-runtime.js';
import { createScratchDatabase } from './scratch-database.js';

export interface PipelineBenchOptions {
  readonly coins: number;
  readonly engines: readonly BenchEngine[];
  readonly adminUrl: string;
}

export interface PipelineBenchResult {
  readonly engine: BenchEngine;
  readonly runStatus: string;
  readonly runMs: number;
  readonly stepMs: Readonly<Record<string, number>>;
  /** PGlite only: initdb of a fresh data directory, the migrations, copy + open + first query. */
  readonly startup?: { readonly freshMs: number; readonly migrateMs: number; readonly copyOpenQueryMs: number };
}

const STEPS_SHOWN = ['bronze/coingecko_markets', 'silver/market_snapshots'];

export async function runPipelineBench(options: PipelineBenchOptions): Promise<PipelineBenchResult[]> {
  const fake = await startFakeCoinGecko({ coins: options.coins });
  const results: PipelineBenchResult[] = [];
  try {
    for (const engine of options.engines) {
      const result = await benchEngine(engine, options, fake.url);
      results.push(result);
      printResult(result);
    }
  } finally {
    await fake.close();
  }
  printTable(options.coins, results);
  return results;
}

async function benchEngine(engine: BenchEngine, options: PipelineBenchOptions, fakeUrl: string): Promise<PipelineBenchResult> {
  const dataDir = await mkdtemp(join(tmpdir(), `strata-bench-pipeline-${engine}-`));
  const scratch = engine === 'postgres' ? await createScratchDatabase(options.adminUrl, 'strata_bench_pipeline') : undefined;
  let database: StrataDatabase | undefined;
  try {
    let startup: PipelineBenchResult['startup'];
    if (scratch !== undefined) {
      database = await openDatabase({ databaseUrl: scratch.url, dataDir });
      await migrateAll(database);
    } else {
      const templateDir = join(dataDir, 'template');
      const fresh = await timed(() => openDatabase({ dataDir: templateDir }));
      const migrate = await timed(() => migrateAll(fresh.value));
      await fresh.value.close();
      const copy = await timed(async () => {
        await cp(join(templateDir, 'pglite'), join(dataDir, 'pglite'), { recursive: true });
        const opened = await openDatabase({ dataDir });
        await sql`SELECT 1`.execute(opened.db);
        return opened;
      });
      database = copy.value;
      startup = { freshMs: fresh.ms, migrateMs: migrate.ms, copyOpenQueryMs: copy.ms };
    }
    const config = loadConfig({
      ...(scratch ? { DATABASE_URL: scratch.url } : {}),
      STRATA_DATA_DIR: dataDir,
      COINGECKO_BASE_URL: fakeUrl,
      COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
      STRATA_COINS: String(options.coins),
    });
    const runtime = await openRuntime(config, createLogger({ level: 'silent', pretty: false }), { database });
    const run = await timed(() => materialize(runtime, { selection: '*' }));
    const stepMs = Object.fromEntries(run.value.result.steps.map((step) => [step.assetKey, step.durationMs]));
    return { engine, runStatus: run.value.result.status, runMs: run.ms, stepMs, ...(startup ? { startup } : {}) };
  } finally {
    await database?.close();
    await scratch?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

const seconds = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);

function printResult(result: PipelineBenchResult): void {
  console.error(`${result.engine}: run ${result.runStatus} in ${seconds(result.runMs)}; steps ${JSON.stringify(result.stepMs)}`);
}

function printTable(coins: number, results: readonly PipelineBenchResult[]): void {
  console.log(`\nWhole universe: ${coins.toLocaleString('en-US')} coins, one run of every asset\n`);
  console.log(`| engine | run | ${STEPS_SHOWN.join(' | ')} |`);
  console.log(`|---|---:|${STEPS_SHOWN.map(() => '---:').join('|')}|`);
  for (const result of results) {
    console.log(`| ${result.engine} | ${seconds(result.runMs)} | ${STEPS_SHOWN.map((key) => seconds(result.stepMs[key])).join(' | ')} |`);
  }
  const pglite = results.find((result) => result.startup !== undefined)?.startup;
  if (pglite !== undefined) {
    console.log('\n| PGlite | time |\n|---|---:|');
    console.log(`| fresh data directory (initdb in WASM) | ${seconds(pglite.freshMs)} |`);
    console.log(`| migrations | ${seconds(pglite.migrateMs)} |`);
    console.log(`| copy of the migrated directory + open + first query | ${seconds(pglite.copyOpenQueryMs)} |`);
  }
  if (results.some((result) => result.runStatus !== 'SUCCESS')) console.log('\nA run did not succeed: its figures are not comparable.');
}
