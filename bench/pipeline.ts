/**
 * The shipped pipeline over the whole universe, on each engine: the fake CoinGecko serving
 * `coins` coins (250 recorded, the rest synthetic copies), one run of every asset for the current
 * partition, timed as a whole and per step. The run executes in a child process
 * (bench/pipeline-process.ts) whose peak RSS is reported: the fake and the bench stay outside it.
 * On PGlite it also times what every start and every test file pays: a fresh data directory
 * (initdb in WASM), the migrations, and a copy of the migrated directory opened and queried once
 * (what tests/helpers/test-database.ts does per file).
 */
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { startFakeCoinGecko } from '../src/pipeline/fake-coingecko/index.js';
import { migrateAll } from '../src/runtime.js';
import { openDatabase, type StrataDatabase } from '../src/storage/index.js';
import type { BenchEngine } from './orchestration-runtime.js';
import type { PipelineProcessInput, PipelineProcessOutput } from './pipeline-process.js';
import { appendBenchRun } from './results-file.js';
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
  /** Why each step that did not succeed did not. */
  readonly problems: readonly string[];
  /** Peak resident set of the process that ran the pipeline. */
  readonly maxRssBytes: number;
  /** PGlite only: initdb of a fresh data directory, the migrations, copy + open + first query. */
  readonly startup?: { readonly freshMs: number; readonly migrateMs: number; readonly copyOpenQueryMs: number };
}

const STEPS_SHOWN = ['bronze/coingecko_markets', 'silver/market_snapshots', 'gold/crypto_analytics_mart', 'gold/market_segment_analysis'];

export async function runPipelineBench(options: PipelineBenchOptions): Promise<PipelineBenchResult[]> {
  const fake = await startFakeCoinGecko({ coins: options.coins });
  const results: PipelineBenchResult[] = [];
  try {
    // The fake makes each page once (~50 ms each on this machine): made before timing, so the
    // run meets a stand-in that answers at once.
    for (let page = 1; (page - 1) * 250 < options.coins; page++) {
      const response = await fetch(`${fake.url}/coins/markets?vs_currency=usd&per_page=250&page=${page}`);
      await response.arrayBuffer();
    }
    for (const engine of options.engines) {
      const result = await benchEngine(engine, options, fake.url);
      results.push(result);
      printResult(result);
    }
  } finally {
    await fake.close();
  }
  const table = formatTable(options.coins, results);
  console.log(table);
  await appendBenchRun(join(import.meta.dirname, 'results', 'pipeline.md'), {
    intro: [
      '# The whole universe through the pipeline',
      '',
      '`npm run bench -- pipeline`: the fake CoinGecko (pages made before timing) serving the universe, one run of',
      'every asset for the current partition in a child process (bench/pipeline-process.ts, run under tsx as',
      '`npm start` runs); its peak RSS is `process.resourceUsage().maxRSS`.',
    ].join('\n'),
    section: [`## Run ${new Date().toISOString()} (node ${process.version})`, table].join('\n'),
    keep: 10,
  });
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
    // The child opens the database itself (PGlite: one process per data directory).
    await database.close();
    database = undefined;
    const output = await runInChild({ ...(scratch ? { databaseUrl: scratch.url } : {}), dataDir, fakeUrl, coins: options.coins });
    return { engine, ...output, ...(startup ? { startup } : {}) };
  } finally {
    await database?.close();
    await scratch?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** bench/pipeline-process.ts in its own node, with the same loader as the bench. */
async function runInChild(input: PipelineProcessInput): Promise<PipelineProcessOutput> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'pipeline-process.ts')], {
    env: { ...process.env, BENCH_PIPELINE: JSON.stringify(input) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const code = await new Promise<number | null>((resolve, reject) => child.once('error', reject).once('close', resolve));
  const line = stdout.trim().split('\n').at(-1);
  if (code !== 0 || line === undefined || line === '') throw new Error(`pipeline process exited with ${code}: ${stdout}`);
  return JSON.parse(line) as PipelineProcessOutput;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

const seconds = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(2)} s`);
const megabytes = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;

function printResult(result: PipelineBenchResult): void {
  console.error(
    `${result.engine}: run ${result.runStatus} in ${seconds(result.runMs)}, peak RSS ${megabytes(result.maxRssBytes)}; steps ${JSON.stringify(result.stepMs)}`,
  );
}

function formatTable(coins: number, results: readonly PipelineBenchResult[]): string {
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  const [load1] = loadavg();
  log(`\nWhole universe: ${coins.toLocaleString('en-US')} coins, one run of every asset in a child process (load average ${load1?.toFixed(1)})\n`);
  log(`| engine | run | peak RSS | ${STEPS_SHOWN.join(' | ')} |`);
  log(`|---|---:|---:|${STEPS_SHOWN.map(() => '---:').join('|')}|`);
  for (const result of results) {
    log(
      `| ${result.engine} | ${seconds(result.runMs)} | ${megabytes(result.maxRssBytes)} | ${STEPS_SHOWN.map((key) => seconds(result.stepMs[key])).join(' | ')} |`,
    );
  }
  for (const result of results) {
    for (const problem of result.problems) log(`\n${result.engine}: ${problem}`);
    log(`\n${result.engine}, every step: ${Object.entries(result.stepMs).map(([key, ms]) => `${key} ${seconds(ms)}`).join(', ')}`);
  }
  const pglite = results.find((result) => result.startup !== undefined)?.startup;
  if (pglite !== undefined) {
    log('\n| PGlite | time |\n|---|---:|');
    log(`| fresh data directory (initdb in WASM) | ${seconds(pglite.freshMs)} |`);
    log(`| migrations | ${seconds(pglite.migrateMs)} |`);
    log(`| copy of the migrated directory + open + first query | ${seconds(pglite.copyOpenQueryMs)} |`);
  }
  if (results.some((result) => result.runStatus !== 'SUCCESS')) log('\nA run did not succeed: its figures are not comparable.');
  return lines.join('\n');
}
