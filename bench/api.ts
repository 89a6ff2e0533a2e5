/**
 * API bench (issue 4): the runs list (first page, a deep page, filtered), run pages and their
 * HTML on a million runs and ten million events, and the lineage page of a 500-asset graph in
 * chromium. Goals: p95 < 50 ms per request; < 1 s to a painted lineage page.
 *
 *   npm run bench -- api [--runs 1000000] [--events 10000000] [--requests 200] [--loads 10] [--keep] [--reuse URL]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import { buildApp } from '../src/server/app.js';
import { measureLineage } from './api-lineage.js';
import { syntheticWarehouseGraph } from './synthetic-asset-graph.js';
import { lineageTable, requestTable, writeApiResults } from './api-report.js';
import { measureCases, type RequestCase } from './api-requests.js';
import { createSeedPlan, type SeedPlan } from './api-seed-plan.js';
import { seedApiHistory } from './api-seed.js';
import { benchAdminUrl, createScratchDatabase } from './scratch-database.js';
import { positiveInteger } from './bench-args.js';

const RESULTS_FILE = fileURLToPath(new URL('./results/api.md', import.meta.url));
const WARMUP = 20;
const LINEAGE_ASSETS = 500;

export const apiBench = {
  summary: 'API: runs list (first, deep, filtered) and run pages on 1M runs / 10M events; lineage of 500 assets in chromium',
  usage: [
    'api [--runs N] [--events N] [--requests N] [--loads N] [--keep] [--reuse URL] [--no-write]',
    '  --runs      runs seeded (default 1,000,000)',
    '  --events    events seeded (default 10,000,000)',
    '  --requests  timed requests per case, after 20 warm-up ones (default 200)',
    '  --loads     lineage page loads in chromium (default 10)',
    '  --keep      keep the scratch database (its URL is printed) instead of dropping it',
    '  --reuse     measure a database a previous --keep run seeded, without seeding again',
    '  --no-write  print only; do not add the run to bench/results/api.md',
  ].join('\n'),
  async run(args: string[]): Promise<void> {
    const { values } = parseArgs({
      args,
      options: {
        runs: { type: 'string' },
        events: { type: 'string' },
        requests: { type: 'string' },
        loads: { type: 'string' },
        keep: { type: 'boolean' },
        reuse: { type: 'string' },
        'no-write': { type: 'boolean' },
      },
    });
    const requests = positiveInteger('--requests', values.requests, 200);
    const loads = positiveInteger('--loads', values.loads, 10);
    const log = (line: string) => console.log(`[api] ${line}`);

    const scratch = values.reuse === undefined ? await createScratchDatabase(benchAdminUrl(), 'strata_bench_api') : undefined;
    const databaseUrl = values.reuse ?? (scratch?.url as string);
    const dataDir = await mkdtemp(join(tmpdir(), 'strata-bench-api-'));
    const keep = values.keep === true || values.reuse !== undefined;
    let runtime: Runtime | undefined;
    try {
      const config = loadConfig({ DATABASE_URL: databaseUrl, STRATA_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
      runtime = await openRuntime(config, createLogger({ level: config.logLevel, destination: pino.destination(2) }));

      let seedNote: string;
      let plan: SeedPlan;
      let heaviest: { id: string; events: number };
      if (values.reuse === undefined) {
        const runs = positiveInteger('--runs', values.runs, 1_000_000);
        const events = positiveInteger('--events', values.events, 10_000_000);
        log(`seeding ${runs.toLocaleString('en-US')} runs and ${events.toLocaleString('en-US')} events into ${scratch?.name}`);
        const seeded = await seedApiHistory({ databaseUrl, runs, events, endAt: new Date(), log });
        await saveSeed(databaseUrl, seeded.plan, seeded.heaviestRun);
        plan = seeded.plan;
        heaviest = seeded.heaviestRun;
        const total = seeded.phases.reduce((sum, [, seconds]) => sum + seconds, 0);
        seedNote = [
          `Seeded ${Object.entries(seeded.counts).map(([table, n]) => `${table} ${n.toLocaleString('en-US')}`).join(', ')} in ${total.toFixed(0)} s:`,
          seeded.phases.map(([phase, seconds]) => `${phase} ${seconds.toFixed(1)} s`).join('; ') + '.',
        ].join(' ');
      } else {
        ({ plan, heaviest } = await loadSeed(databaseUrl));
        seedNote = `Reused ${databaseUrl.replace(/\/\/[^@]*@/, '//')} (${plan.runs.toLocaleString('en-US')} runs, seeded earlier).`;
      }
      log(seedNote);

      const app = await buildApp({ runtime });
      const base = await app.listen({ host: '127.0.0.1', port: 0 });
      const results = await measureCases(base, requestCases(plan, heaviest.id), { requests, warmup: WARMUP, log }).finally(() => app.close());

      log(`lineage: ${LINEAGE_ASSETS}-asset graph, ${loads} loads in chromium`);
      // The same database with another graph; not closed on its own (its close would close the shared database).
      const lineageRuntime = await openRuntime(runtime.config, runtime.logger, { database: runtime.database, graph: syntheticWarehouseGraph(LINEAGE_ASSETS) });
      const lineage = await measureLineage(lineageRuntime, loads);

      const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ');
      const section = [
        `## Run ${stamp} UTC`,
        '',
        seedNote,
        `The heaviest run has ${heaviest.events.toLocaleString('en-US')} events.`,
        '',
        requestTable(results, requests),
        '',
        lineageTable(lineage),
      ].join('\n');
      console.log(`\n${section}\n`);
      if (values['no-write'] !== true) {
        await writeApiResults(RESULTS_FILE, section);
        log(`written to ${RESULTS_FILE}`);
      }
    } finally {
      await runtime?.close();
      await rm(dataDir, { recursive: true, force: true });
      if (scratch !== undefined) {
        if (keep) log(`kept the database: npm run bench -- api --reuse ${scratch.url}`);
        else await scratch.drop();
      }
    }
  },
};

function requestCases(plan: SeedPlan, heaviestRunId: string): RequestCase[] {
  const runs = plan.runs;
  // A stable spread of run indexes, so every request of a case reads another run.
  const spread = (i: number, from: number, to: number) => from + ((i * 7919 + 13) % Math.max(1, to - from));
  const heavy = new Set(plan.heavyIndexes);
  const typicalRun = (i: number) => {
    const index = spread(i, 0, runs);
    return plan.run(heavy.has(index) ? index + 1 : index).id;
  };
  const deepCursor = (i: number) => {
    // 85-95% of the way down the list: about 900,000 runs in, with full pages after it.
    const run = plan.run(spread(i, Math.floor(runs * 0.05), Math.floor(runs * 0.15)));
    return encodeURIComponent(`${run.createdAt.toISOString()}_${run.id}`);
  };
  const yearAgo = new Date(plan.endAt.getTime() - 365 * 24 * 3600 * 1000);
  const weekLater = new Date(yearAgo.getTime() + 7 * 24 * 3600 * 1000);
  const range = `from=${encodeURIComponent(yearAgo.toISOString())}&to=${encodeURIComponent(weekLater.toISOString())}`;
  const fixed = (name: string, path: string): RequestCase => ({ name, path: () => path });
  return [
    fixed('runs, first page', '/api/v1/runs'),
    { name: 'runs, deep page (cursor 85–95% down the list)', path: (i) => `/api/v1/runs?cursor=${deepCursor(i)}` },
    fixed('runs ?status=FAILURE', '/api/v1/runs?status=FAILURE'),
    fixed('runs ?asset=gold/crypto_analytics_mart', '/api/v1/runs?asset=gold%2Fcrypto_analytics_mart'),
    fixed('runs ?trigger=retry', '/api/v1/runs?trigger=retry'),
    fixed('runs, one week a year ago (from, to)', `/api/v1/runs?${range}`),
    fixed('runs ?status=CANCELED&trigger=manual&asset=bronze/coingecko_markets', '/api/v1/runs?status=CANCELED&trigger=manual&asset=bronze%2Fcoingecko_markets'),
    { name: 'run page, a typical run', path: (i) => `/api/v1/runs/${typicalRun(i)}` },
    fixed('run page, the run with the most events', `/api/v1/runs/${heaviestRunId}`),
    fixed('HTML /runs', '/runs'),
    { name: 'HTML /runs/:id, a typical run', path: (i) => `/runs/${typicalRun(i)}` },
    fixed('HTML /runs/:id, the run with the most events', `/runs/${heaviestRunId}`),
  ];
}

/** The seed's settings, kept in the database so `--reuse` regenerates the same run ids. */
async function saveSeed(databaseUrl: string, plan: SeedPlan, heaviest: { id: string; events: number }): Promise<void> {
  await withClient(databaseUrl, async (client) => {
    await client.query('CREATE TABLE public.bench_api_seed (runs integer NOT NULL, end_at timestamptz NOT NULL, heaviest_run uuid NOT NULL, heaviest_events integer NOT NULL)');
    await client.query('INSERT INTO public.bench_api_seed VALUES ($1, $2, $3, $4)', [plan.runs, plan.endAt, heaviest.id, heaviest.events]);
  });
}

async function loadSeed(databaseUrl: string): Promise<{ plan: SeedPlan; heaviest: { id: string; events: number } }> {
  return withClient(databaseUrl, async (client) => {
    const result = await client.query<{ runs: number; end_at: Date; heaviest_run: string; heaviest_events: number }>('SELECT * FROM public.bench_api_seed');
    const row = result.rows[0];
    if (row === undefined) throw new Error('--reuse: that database has no bench_api_seed row; seed it with a --keep run first');
    return { plan: createSeedPlan(row.runs, row.end_at), heaviest: { id: row.heaviest_run, events: row.heaviest_events } };
  });
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Accepts `1000000`, `1_000_000` and `1,000,000`. */
