/**
 * Rate-limit bench (issue 12, item 4): does the source's limit hold across processes?
 *
 * 1. Processes: P processes (bench/rate-limit-process.ts, the same work as `strata materialize
 *    bronze/coingecko_markets`) on one scratch Postgres database fetch `--pages` pages each, at once,
 *    from a fake CoinGecko that serves `--limit` requests per rolling `--window-ms` and answers 429
 *    (Retry-After 1 s) above that. Once with each process's own in-process limiter (before issue 12),
 *    once with the database-backed limiter the runtime wires in; each with a fresh fake.
 * 2. Cost: `acquire` + `ended` of the database limiter (two short transactions) on Postgres and on
 *    PGlite, against the in-process limiter, with a limit high enough never to wait.
 *
 *   npm run bench -- rate-limit [--processes 2] [--pages 4] [--limit 4] [--window-ms 2000] [--acquires 500] [--engines postgres,pglite] [--no-write]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { systemClock } from '../src/core/clock.js';
import { startFakeCoinGecko } from '../src/pipeline/fake-coingecko/index.js';
import { createDatabaseRateLimiter, createRateLimiter, type RateLimiter } from '../src/index.js';
import { migrateAll } from '../src/runtime.js';
import { migrateToLatest, openDatabase, type StrataDatabase } from '../src/storage/index.js';
import { appendBenchRun } from './results-file.js';
import { benchAdminUrl, createScratchDatabase } from './scratch-database.js';
import { positiveInteger } from './bench-args.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_FILE = fileURLToPath(new URL('./results/rate-limit.md', import.meta.url));

type LimiterMode = 'process' | 'shared';

interface ProcessesResult {
  readonly mode: LimiterMode;
  readonly exitCodes: readonly (number | null)[];
  readonly served: number;
  readonly refused: number;
  /** The most requests the fake served in any rolling window. */
  readonly maxInWindow: number;
  readonly wallMs: number;
}

interface CostResult {
  readonly limiter: string;
  readonly p50Ms: number;
  readonly p95Ms: number;
}

interface Options {
  readonly processes: number;
  readonly pages: number;
  readonly limit: number;
  readonly windowMs: number;
}

export const rateLimitBench = {
  summary: 'source rate limit across processes: 429s with per-process vs database-backed limiters; cost of a shared acquire',
  usage: [
    'rate-limit [--processes N] [--pages N] [--limit N] [--window-ms N] [--acquires N] [--engines postgres,pglite] [--no-write]',
    '  --processes  Strata processes fetching at once (default 2)',
    '  --pages      pages of 250 coins each process fetches (default 4)',
    '  --limit      requests per window, in the fake and in COINGECKO_RATE_LIMIT_PER_MINUTE (default 4)',
    '  --window-ms  the rolling window, in the fake and in COINGECKO_RATE_LIMIT_WINDOW_MS (default 2000)',
    '  --acquires   timed acquire+ended pairs per limiter (default 500)',
    '  --engines    where the shared limiter\'s cost is measured (default postgres,pglite)',
    '  --no-write   print only; do not add the run to bench/results/rate-limit.md',
  ].join('\n'),
  async run(args: string[]): Promise<void> {
    const { values } = parseArgs({
      args,
      options: {
        processes: { type: 'string' },
        pages: { type: 'string' },
        limit: { type: 'string' },
        'window-ms': { type: 'string' },
        acquires: { type: 'string' },
        engines: { type: 'string' },
        'no-write': { type: 'boolean' },
      },
    });
    const options: Options = {
      processes: positiveInteger('--processes', values.processes, 2),
      pages: positiveInteger('--pages', values.pages, 4),
      limit: positiveInteger('--limit', values.limit, 4),
      windowMs: positiveInteger('--window-ms', values['window-ms'], 2_000),
    };
    const acquires = positiveInteger('--acquires', values.acquires, 500);
    const engines = (values.engines ?? 'postgres,pglite').split(',').map((engine) => engine.trim());
    for (const engine of engines) if (engine !== 'postgres' && engine !== 'pglite') throw new Error(`--engines: expected postgres and/or pglite, got '${engine}'`);
    const log = (line: string) => console.log(`[rate-limit] ${line}`);

    const scratch = await createScratchDatabase(benchAdminUrl(), 'strata_bench_rate');
    const processes: ProcessesResult[] = [];
    const costs: CostResult[] = [];
    try {
      const database = await openDatabase({ databaseUrl: scratch.url, dataDir: '' });
      try {
        await migrateAll(database);
      } finally {
        await database.close();
      }
      for (const mode of ['process', 'shared'] as const) {
        const result = await measureProcesses(mode, scratch.url, options);
        log(`${mode} limiters: ${result.refused} × 429, ${result.served} served, at most ${result.maxInWindow} in a window, exits ${result.exitCodes.join(',')}, ${(result.wallMs / 1000).toFixed(1)} s`);
        processes.push(result);
      }
      costs.push(await measureCost('in-process', createRateLimiter({ limit: 1_000_000, clock: systemClock }), acquires));
      for (const engine of engines) {
        log(`timing the ${engine} limiter`);
        costs.push(await withEngine(engine as 'postgres' | 'pglite', scratch.url, (database) =>
          measureCost(`database (${engine})`, createDatabaseRateLimiter({ db: database.db, source: 'bench', limit: 1_000_000, clock: systemClock }), acquires),
        ));
      }
    } finally {
      await scratch.drop();
    }

    const section = report(options, acquires, processes, costs);
    console.log(`\n${section}`);
    if (values['no-write'] !== true) await appendBenchRun(RESULTS_FILE, { intro: INTRO, section, keep: 5 });
    // The figure that matters: a shared limiter that lets a 429 through has failed.
    if ((processes.find((result) => result.mode === 'shared')?.refused ?? 1) > 0) process.exitCode = 1;
  },
};

async function measureProcesses(mode: LimiterMode, databaseUrl: string, options: Options): Promise<ProcessesResult> {
  const fake = await startFakeCoinGecko({
    coins: options.pages * 250,
    rateLimit: { requests: options.limit, windowMs: options.windowMs, retryAfterSeconds: 1 },
  });
  const dataDirs: string[] = [];
  try {
    const children = await Promise.all(
      Array.from({ length: options.processes }, async () => {
        // Each process its own bronze directory: only the database is shared.
        const dataDir = await mkdtemp(join(tmpdir(), 'strata-bench-rate-'));
        dataDirs.push(dataDir);
        return startProcess({
          BENCH_LIMITER: mode,
          DATABASE_URL: databaseUrl,
          STRATA_DATA_DIR: dataDir,
          COINGECKO_BASE_URL: fake.url,
          STRATA_COINS: String(options.pages * 250),
          COINGECKO_RATE_LIMIT_PER_MINUTE: String(options.limit),
          COINGECKO_RATE_LIMIT_WINDOW_MS: String(options.windowMs),
          COINGECKO_MAX_RETRIES: '10',
        });
      }),
    );
    // Every process ready (runtime open), then all go at once: start-up times on a busy machine
    // differ by seconds, which would otherwise spread the processes over several windows.
    await Promise.all(children.map((child) => child.ready));
    const started = performance.now();
    for (const child of children) child.go();
    const exitCodes = await Promise.all(children.map((child) => child.exit));
    const wallMs = performance.now() - started;
    const markets = fake.requests.filter((request) => request.path === '/coins/markets');
    const servedAt = markets.filter((request) => request.status === 200).map((request) => request.at.getTime());
    return {
      mode,
      exitCodes,
      served: servedAt.length,
      refused: markets.filter((request) => request.status === 429).length,
      maxInWindow: maxInWindow(servedAt, options.windowMs),
      wallMs,
    };
  } finally {
    await fake.close();
    for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
  }
}

interface BenchProcess {
  /** Resolves when the process has printed `ready`. */
  readonly ready: Promise<void>;
  go(): void;
  readonly exit: Promise<number | null>;
}

function startProcess(env: Record<string, string>): BenchProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'rate-limit-process.ts')], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exit = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
  const ready = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready\n')) resolve();
    });
    void exit.then((code) => reject(new Error(`bench process exited ${code} before it was ready`)));
  });
  return { ready, go: () => child.stdin.end('go\n'), exit };
}

async function withEngine<T>(engine: 'postgres' | 'pglite', url: string, work: (database: StrataDatabase) => Promise<T>): Promise<T> {
  const dataDir = engine === 'pglite' ? await mkdtemp(join(tmpdir(), 'strata-bench-rate-pglite-')) : '';
  const database = await openDatabase({ databaseUrl: engine === 'postgres' ? url : undefined, dataDir });
  try {
    await migrateToLatest(database.db);
    return await work(database);
  } finally {
    await database.close();
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  }
}

async function measureCost(name: string, limiter: RateLimiter, acquires: number): Promise<CostResult> {
  for (let i = 0; i < 20; i++) await limiter.ended(await limiter.acquire());
  const times: number[] = [];
  for (let i = 0; i < acquires; i++) {
    const started = performance.now();
    await limiter.ended(await limiter.acquire());
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] as number;
  return { limiter: name, p50Ms: at(0.5), p95Ms: at(0.95) };
}

function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while ((sorted[first] as number) <= (sorted[last] as number) - windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

function report(options: Options, acquires: number, processes: readonly ProcessesResult[], costs: readonly CostResult[]): string {
  return [
    `## Run ${new Date().toISOString()}`,
    '',
    `${options.processes} processes × ${options.pages} pages at once; fake and limiters: ${options.limit} requests per rolling ${options.windowMs} ms.`,
    '',
    '| limiters | 429s | served | most served in a window | exit codes | wall |',
    '|---|---:|---:|---:|---|---:|',
    ...processes.map(
      (r) =>
        `| ${r.mode === 'shared' ? 'database-backed (shared)' : 'in-process (one window each)'} | ${r.refused} | ${r.served} | ${r.maxInWindow} | ${r.exitCodes.join(', ')} | ${(r.wallMs / 1000).toFixed(1)} s |`,
    ),
    '',
    `acquire + ended, ${acquires} sequential pairs, no waiting:`,
    '',
    '| limiter | p50 | p95 |',
    '|---|---:|---:|',
    ...costs.map((c) => `| ${c.limiter} | ${c.p50Ms.toFixed(2)} ms | ${c.p95Ms.toFixed(2)} ms |`),
  ].join('\n');
}


const INTRO = `# Rate-limit bench

\`npm run bench -- rate-limit\` (issue 12, item 4). Code: \`bench/rate-limit.ts\`, \`bench/rate-limit-process.ts\`.

- **Processes**: P processes started together (each opens its runtime, says \`ready\`, and all are
  told to go at once), each doing what \`strata materialize bronze/coingecko_markets\`
  does (openRuntime + materialize), on one scratch Postgres database, each fetching N pages from a
  fake CoinGecko (\`startFakeCoinGecko({ rateLimit })\`) that serves L requests per rolling W ms and
  answers 429 with \`Retry-After: 1\` above that; the same L and W are the processes' configured limit
  (\`COINGECKO_RATE_LIMIT_PER_MINUTE\`, \`COINGECKO_RATE_LIMIT_WINDOW_MS\`). First with one in-process
  limiter per process (as before issue 12), then with the database-backed limiter the runtime wires
  in; a fresh fake each. "429s" are the fake's refusals; "most served in a window" is counted on the
  fake's arrival times.
- **Cost**: sequential \`acquire()\` + \`ended()\` pairs with a limit that never waits (20 warm-up
  pairs), in-process vs the database limiter on Postgres (same host, TCP) and PGlite (in-process
  WebAssembly).
- **Machine**: 2 shared, noisy cores; PostgreSQL on the same host; Node 20.`;
