/**
 * History-range bench (issue 16): the price history over a range of days, the per-partition way
 * (one run per day, as `materialize --from/--to` did before single_run) against the single-run
 * way (`materializeRange`: one range run), side by side in one bench run. Each side gets its
 * own scratch Postgres database, data directory and fake CoinGecko (the stand-in on a real
 * port), loads the recorded markets page once (the coins history is fetched for), then times
 * the range. Reported: range requests the fake served, wall time, runs made, silver rows.
 *
 * The rate limit is the public plan's 10 requests per window, with the window shrunk from 60 s
 * to `--window-ms` (default 500 ms, 120× faster): the per-partition side's 1,500 requests would
 * otherwise take 150 minutes. Requests are what the policy changes, and the projection to the
 * real public limit (requests / 10 per minute) is printed beside the measured time.
 *
 *   npm run bench -- history-range [--coins 50] [--days 30] [--window-ms 500] [--no-write]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { dailyPartitions } from '../src/core/partitions.js';
import { materialize } from '../src/daemon/execute-run.js';
import { materializeRange } from '../src/daemon/materialize-range.js';
import { createLogger } from '../src/logger.js';
import { startFakeCoinGecko } from '../src/pipeline/fake-coingecko/index.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import { FetchTimeClock } from '../src/testing/fetch-time-clock.js';
import { positiveInteger } from './bench-args.js';
import { appendBenchRun } from './results-file.js';
import { benchAdminUrl, createScratchDatabase } from './scratch-database.js';

const RESULTS_FILE = fileURLToPath(new URL('./results/history-range.md', import.meta.url));
const SELECTION = 'bronze/coingecko_price_history,silver/price_history';
/** The recorded markets page (top 250 coins) and the partition it was recorded for. */
const MARKETS_PARTITION = '2025-02-09T12:00Z';
const FIRST_DAY = '2025-01-01';
const PUBLIC_PER_MINUTE = 10;

type Way = 'per-partition' | 'single-run';

interface SideResult {
  readonly way: Way;
  readonly requests: number;
  readonly runs: number;
  readonly wallMs: number;
  readonly silverRows: number;
  readonly failedRuns: number;
}

interface Options {
  readonly coins: number;
  readonly days: number;
  readonly windowMs: number;
}

export const historyRangeBench = {
  summary: 'price history over a range: one run per day vs one single-run range run (requests, wall time), at the public limit scaled in time',
  usage: [
    'history-range [--coins N] [--days N] [--window-ms N] [--no-write]',
    '  --coins      coins with history (default 50, at most 250)',
    '  --days       days in the range, from 2025-01-01 (default 30)',
    "  --window-ms  the public plan's 10 requests per this window instead of per 60,000 ms (default 500)",
    '  --no-write   print only; do not append to bench/results/history-range.md',
  ].join('\n'),
  async run(args: string[]): Promise<void> {
    const { values } = parseArgs({ args, options: { coins: { type: 'string' }, days: { type: 'string' }, 'window-ms': { type: 'string' }, 'no-write': { type: 'boolean' } } });
    const options: Options = {
      coins: positiveInteger('--coins', values.coins, 50),
      days: positiveInteger('--days', values.days, 30),
      windowMs: positiveInteger('--window-ms', values['window-ms'], 500),
    };
    const loadBefore = loadavg();
    const results = [await runSide('per-partition', options), await runSide('single-run', options)];
    const section = report(options, results, loadBefore, loadavg());
    console.log(section);
    if (values['no-write'] !== true) await appendBenchRun(RESULTS_FILE, { intro: INTRO, section, keep: 10 });
    if (results.some((result) => result.failedRuns > 0)) process.exitCode = 1;
  },
};

async function runSide(way: Way, options: Options): Promise<SideResult> {
  const scratch = await createScratchDatabase(benchAdminUrl(), 'strata_bench_history');
  const fake = await startFakeCoinGecko();
  const dataDir = await mkdtemp(join(tmpdir(), 'strata-bench-history-'));
  const clock = new FetchTimeClock();
  let runtime: Runtime | undefined;
  try {
    const config = loadConfig({
      DATABASE_URL: scratch.url,
      STRATA_DATA_DIR: dataDir,
      COINGECKO_BASE_URL: fake.url,
      COINGECKO_PLAN: 'public',
      COINGECKO_RATE_LIMIT_PER_MINUTE: String(PUBLIC_PER_MINUTE),
      COINGECKO_RATE_LIMIT_WINDOW_MS: String(options.windowMs),
      STRATA_HISTORY_COINS: String(options.coins),
    });
    runtime = await openRuntime(config, createLogger({ level: 'silent', pretty: false }), { clock });
    clock.at(MARKETS_PARTITION);
    const markets = await materialize(runtime, { selection: '+silver/market_snapshots', partitionKey: MARKETS_PARTITION });
    if (markets.result.status !== 'SUCCESS') throw new Error(`loading the markets page failed: ${markets.result.status}`);
    const days = dailyPartitions.keysBetween(FIRST_DAY, dailyPartitions.keyFor(new Date(Date.parse(`${FIRST_DAY}T00:00:00Z`) + (options.days - 1) * 86_400_000)));
    const last = days.at(-1) as string;
    const before = rangeRequests(fake.requests.map((request) => request.path));
    const started = performance.now();
    const statuses: string[] = [];
    if (way === 'per-partition') {
      // What `materialize --from/--to` did before single_run: one run per day, in order.
      for (const day of days) {
        clock.at(day);
        statuses.push((await materialize(runtime, { selection: SELECTION, partitionKey: day })).result.status);
      }
    } else {
      clock.at(last);
      for (const outcome of await materializeRange(runtime, { selection: SELECTION, from: days[0] as string, to: last })) {
        statuses.push('result' in outcome ? outcome.result.status : 'NOT RUN');
      }
    }
    const wallMs = performance.now() - started;
    const requests = rangeRequests(fake.requests.map((request) => request.path)) - before;
    const silverRows = await runtime.database.withSession(async (session) => {
      const { rows } = await session.query<{ n: number }>('SELECT count(*)::int AS n FROM silver.price_history');
      return rows[0]?.n ?? 0;
    });
    return { way, requests, runs: statuses.length, wallMs, silverRows, failedRuns: statuses.filter((status) => status !== 'SUCCESS').length };
  } finally {
    await runtime?.close();
    await fake.close();
    await rm(dataDir, { recursive: true, force: true });
    await scratch.drop();
  }
}

function rangeRequests(paths: readonly string[]): number {
  return paths.filter((path) => path.endsWith('/market_chart/range')).length;
}

function report(options: Options, results: readonly SideResult[], loadBefore: number[], loadAfter: number[]): string {
  const load = (values: number[]) => values.map((value) => value.toFixed(2)).join(' ');
  const publicMinutes = (requests: number) => (requests / PUBLIC_PER_MINUTE).toFixed(1);
  const rows = results.map(
    (result) =>
      `| ${result.way} | ${result.runs} | ${result.requests} | ${(result.wallMs / 1000).toFixed(1)} s | ${publicMinutes(result.requests)} min | ${result.silverRows} | ${result.failedRuns} |`,
  );
  const [perPartition, singleRun] = results;
  const ratio = perPartition !== undefined && singleRun !== undefined ? (perPartition.wallMs / singleRun.wallMs).toFixed(1) : '?';
  return [
    `## Run ${new Date().toISOString()}`,
    '',
    `${options.coins} coins × ${options.days} days; limit 10 requests per ${options.windowMs} ms (public plan: per 60,000 ms); load average before ${load(loadBefore)}, after ${load(loadAfter)} (2 shared cores).`,
    '',
    '| way | runs | range requests | wall (scaled limit) | at the public limit (requests / 10 per min) | silver rows | failed runs |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Single-run is ${ratio}× faster in wall time in this run.`,
  ].join('\n');
}

const INTRO = `# history-range bench

The price history (\`bronze/coingecko_price_history\`, \`silver/price_history\`) over a range of days,
both ways in one bench run: one run per day (what a range did before \`backfillPolicy: 'single_run'\`)
and one single-run range run. Each side: its own scratch Postgres database, data directory and fake
CoinGecko; the recorded markets page loaded first (untimed). The public plan's limit (10 requests per
minute) with its window shrunk (\`--window-ms\`), so the per-partition side finishes; requests do
not depend on the window, and the projection to the real limit is requests / 10 per minute.

\`npm run bench -- history-range [--coins 50] [--days 30] [--window-ms 500]\``;
