/**
 * Orchestration bench (issue 3, issue 16): start latency (idle, and with runs queued), per-step
 * overhead, backfill throughput (with and without group commit) and tick punctuality, on Postgres
 * and/or PGlite. One engine at a time, each on a fresh database.
 *
 *   npm run bench -- orchestration [--engine postgres|pglite|both] [--runs 200] [--assets 100] [--partitions 1000]
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { backfillThroughput } from './orchestration-backfill.js';
import { type BenchSettings, type EngineResult, details, resultTable, writeResults } from './orchestration-report.js';
import { type BenchEngine, openBenchRuntime } from './orchestration-runtime.js';
import { startLatencyInProcess, startLatencyOtherProcess } from './orchestration-start-latency.js';
import { stepOverhead } from './orchestration-step-overhead.js';
import { tickPunctuality } from './orchestration-ticks.js';
import { queuedStartLatency } from './orchestration-queued-start.js';
import { directEventWriter } from '../src/storage/index.js';
import { benchAdminUrl } from './scratch-database.js';
import { positiveInteger } from './bench-args.js';

const RESULTS_FILE = fileURLToPath(new URL('./results/orchestration.md', import.meta.url));
const CHAIN_REPEATS = 3;

export const orchestrationBench = {
  summary: 'orchestration: request → first step, per-step overhead, backfill events/s, tick lag (Postgres and PGlite)',
  usage: [
    'orchestration [--engine postgres|pglite|both] [--runs N] [--assets N] [--partitions N] [--concurrency N] [--queued N] [--ticks N]',
    '  --engine       default both',
    '  --runs         runs timed for request → first step started (default 200)',
    '  --assets       length of the no-op chain for per-step overhead (default 100)',
    '  --partitions   six-hourly partitions in the backfill (default 1000)',
    '  --concurrency  worker concurrency for the backfill (default 8)',
    '  --queued       runs already queued when a high-priority run is requested (default 1000)',
    '  --ticks        seconds of an every-second schedule observed (default 15)',
    '  --no-write     print only; do not add the run to bench/results/orchestration.md',
  ].join('\n'),
  async run(args: string[]): Promise<void> {
    const { values } = parseArgs({
      args,
      options: {
        engine: { type: 'string' },
        runs: { type: 'string' },
        assets: { type: 'string' },
        partitions: { type: 'string' },
        concurrency: { type: 'string' },
        queued: { type: 'string' },
        ticks: { type: 'string' },
        'no-write': { type: 'boolean' },
      },
    });
    const settings: BenchSettings = {
      runs: positiveInteger('--runs', values.runs, 200),
      assets: positiveInteger('--assets', values.assets, 100),
      partitions: positiveInteger('--partitions', values.partitions, 1000),
      concurrency: positiveInteger('--concurrency', values.concurrency, 8),
      tickSeconds: positiveInteger('--ticks', values.ticks, 15),
      queued: positiveInteger('--queued', values.queued, 1000),
    };
    const results: EngineResult[] = [];
    for (const engine of engines(values.engine)) results.push(await benchEngine(engine, settings));
    const table = resultTable(settings, results);
    const detail = details(results);
    console.log(`\n${table}\n\n${detail}`);
    if (values['no-write'] !== true) {
      const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ');
      await writeResults(RESULTS_FILE, `## Run ${stamp} UTC\n\n${table}\n\n\`\`\`\n${detail}\n\`\`\``);
      console.log(`\nwritten to ${RESULTS_FILE}`);
    }
  },
};

function engines(text: string | undefined): BenchEngine[] {
  const engine = text ?? 'both';
  if (engine === 'both') return ['postgres', 'pglite'];
  if (engine === 'postgres' || engine === 'pglite') return [engine];
  throw new Error(`--engine: expected postgres, pglite or both, got '${engine}'`);
}

async function benchEngine(engine: BenchEngine, settings: BenchSettings): Promise<EngineResult> {
  const log = (line: string) => console.log(`[${engine}] ${line}`);
  log('opening a fresh database');
  const bench = await openBenchRuntime(engine, { chainLength: settings.assets, adminUrl: benchAdminUrl() });
  try {
    const { runtime } = bench;
    log(`request → first step started, worker in this process: ${settings.runs} runs`);
    const startInProcessMs = await startLatencyInProcess(runtime, settings.runs);
    let startOtherProcessMs: number[] | undefined;
    if (bench.databaseUrl !== undefined) {
      log(`request → first step started, worker in another process: ${settings.runs} runs`);
      startOtherProcessMs = await startLatencyOtherProcess(runtime, bench.databaseUrl, settings.runs, settings.assets);
    }
    log(`per-step overhead: ${CHAIN_REPEATS} runs of a ${settings.assets}-step chain`);
    const overhead = await stepOverhead(runtime, settings.assets, CHAIN_REPEATS);
    log(`backfill of ${settings.partitions} partitions`);
    const backfill = await backfillThroughput(runtime, { partitions: settings.partitions, concurrency: settings.concurrency });
    log(`backfill of ${settings.partitions} partitions, each run's events in its own transactions (no group commit)`);
    const backfillDirect = await backfillThroughput(runtime, {
      partitions: settings.partitions,
      concurrency: settings.concurrency,
      offset: -settings.partitions,
      writeEvents: directEventWriter(runtime.database.db),
    });
    log(`request → first step with ${settings.queued} runs queued, and with none: ${settings.runs} runs each`);
    const queuedStart = await queuedStartLatency(runtime, settings.runs, settings.queued, settings.concurrency);
    log(`tick punctuality: ${settings.tickSeconds} s of an every-second schedule`);
    const ticks = await tickPunctuality(runtime, settings.tickSeconds);
    return { engine, startInProcessMs, startOtherProcessMs, stepOverhead: overhead, backfill, backfillDirect, queuedStart, ticks };
  } finally {
    await bench.close();
  }
}

/** Accepts `1000`, `1_000` and `1,000`. */
