/**
 * `npm run bench -- catalog`: the catalog and the lineage at 5,000 assets, on Postgres (a scratch
 * database) and on embedded PGlite (a fresh data directory). See catalog-report.ts for the method.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { ManualClock } from '../src/core/manual-clock.js';
import { materialize } from '../src/daemon/execute-run.js';
import { createLogger } from '../src/logger.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import { ASSET_HEALTHS } from '../src/server/read-models/asset-health.js';
import { catalogPage } from '../src/server/read-models/catalog.js';
import { buildApp } from '../src/server/app.js';
import { measurePages, type PageCase } from './catalog-browser.js';
import { FILTER_CASES, measureFilters, measureFocusedLayouts, measureFullLayout } from './catalog-measure.js';
import { browserTable, filterTable, layoutTable, writeCatalogResults } from './catalog-report.js';
import { benchAdminUrl, createScratchDatabase } from './scratch-database.js';
import { syntheticWarehouseGraph } from './synthetic-asset-graph.js';
import { CATALOG_ASSETS, catalogGraph, seedAssetStates } from './synthetic-asset-states.js';

const RESULTS_FILE = 'bench/results/catalog.md';
const SIX_HOURS_MS = 6 * 3_600_000;
/** The largest graph the lineage page draws whole (FULL_LINEAGE_MAX_ASSETS). */
const WHOLE_ASSETS = 500;

type Engine = 'postgres' | 'pglite';

const log = (line: string) => console.error(`[catalog] ${line}`);

/** Runs of the whole graph at `history` six-hourly partitions before two days ago, then the seeded states. */
async function seed(runtime: Runtime, clock: ManualClock, history: number): Promise<string> {
  const now = new Date();
  const started = performance.now();
  for (let i = history; i >= 1; i--) {
    const at = new Date(now.getTime() - 2 * 86_400_000 - i * SIX_HOURS_MS);
    clock.set(at);
    const partitionKey = runtime.graph.assets.get('gold/fct_finance_048')?.partitions?.keyFor(at);
    const { result } = await materialize(runtime, { selection: '*', partitionKey });
    log(`history run ${history - i + 1}/${history} (${partitionKey}): ${result.status}`);
  }
  await seedAssetStates(runtime, clock, now);
  const events = await sql<{ n: string }>`SELECT count(*) AS n FROM strata.events`.execute(runtime.database.db);
  const { counts } = await catalogPage(runtime, {}, { limit: 1, offset: 0 });
  const seconds = (performance.now() - started) / 1000;
  return `Seeded in ${seconds.toFixed(0)} s: ${history} runs of all ${CATALOG_ASSETS.toLocaleString('en-US')} assets, then the seeded states; ${Number(events.rows[0]?.n).toLocaleString('en-US')} events. Health: ${ASSET_HEALTHS.map((health) => `${health} ${counts[health].toLocaleString('en-US')}`).join(', ')}.`;
}

async function openEngine(engine: Engine, clock: ManualClock): Promise<{ runtime: Runtime; close(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), `strata-bench-catalog-${engine}-`));
  const scratch = engine === 'postgres' ? await createScratchDatabase(benchAdminUrl(), 'strata_bench_catalog') : undefined;
  const close = async () => {
    await scratch?.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const config = loadConfig({ ...(scratch ? { DATABASE_URL: scratch.url } : {}), STRATA_DATA_DIR: dataDir, LOG_LEVEL: 'error' });
    const runtime = await openRuntime(config, createLogger({ level: config.logLevel, destination: pino.destination(2) }), { clock, graph: catalogGraph() });
    return {
      runtime,
      async close() {
        await runtime.close();
        await close();
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function pageCases(largestFocus: string): PageCase[] {
  const graph = '[data-testid="lineage-graph"]';
  const table = '[data-testid="catalog-table"]';
  return [
    { name: 'lineage of 5,000: the summary by group', app: 'catalog', path: '/lineage', selector: '[data-testid="lineage-groups"]' },
    { name: 'lineage focused on a fact table', app: 'catalog', path: '/lineage?asset=gold%2Ffct_finance_048', selector: graph },
    { name: 'lineage focused on the largest neighbourhood sampled', app: 'catalog', path: `/lineage?asset=${encodeURIComponent(largestFocus)}`, selector: graph },
    { name: 'lineage focused on a root (depth cut to 1)', app: 'catalog', path: '/lineage?asset=bronze%2Fraw_orders_000', selector: graph },
    { name: `lineage of ${WHOLE_ASSETS}, drawn whole`, app: 'whole', path: '/lineage', selector: graph },
    { name: 'catalog, first page of 5,000', app: 'catalog', path: '/assets', selector: table },
    { name: 'catalog, filtered (group + status)', app: 'catalog', path: '/assets?group=finance&status=stale', selector: table },
  ];
}

export const catalogBench = {
  summary: 'catalog and lineage at 5,000 assets: filter latency, lineage layout (whole, focused), paint in chromium',
  usage: [
    'catalog [--engines postgres,pglite] [--history N] [--samples N] [--loads N] [--no-write]',
    '  --engines  comma-separated, postgres and/or pglite (default both)',
    '  --history  runs of the whole graph before the seeded states (default 2)',
    '  --samples  timed requests per filter, after 5 warm-up ones (default 50)',
    '  --loads    loads of each page in chromium (default 5)',
    '  --no-write print only; do not append to bench/results/catalog.md',
  ].join('\n'),
  async run(args: string[]): Promise<void> {
    const { values } = parseArgs({
      args,
      options: { engines: { type: 'string' }, history: { type: 'string' }, samples: { type: 'string' }, loads: { type: 'string' }, 'no-write': { type: 'boolean' } },
    });
    const engines = (values.engines ?? 'postgres,pglite').split(',').map((engine) => engine.trim());
    for (const engine of engines) if (engine !== 'postgres' && engine !== 'pglite') throw new Error(`--engines: expected postgres and/or pglite, got '${engine}'`);
    const history = count('--history', values.history, 2);
    const samples = count('--samples', values.samples, 50);
    const loads = count('--loads', values.loads, 5);

    let started = performance.now();
    const graph = catalogGraph();
    const buildMs = performance.now() - started;
    log(`graph of ${graph.nodes.length} assets, ${graph.edges.length} dependencies built in ${buildMs.toFixed(0)} ms; laying it out whole`);
    const full = [measureFullLayout(graph), measureFullLayout(syntheticWarehouseGraph(WHOLE_ASSETS))];
    const focused = measureFocusedLayouts(graph, 200);
    const parts = [layoutTable(full, focused)];

    for (const engine of engines as Engine[]) {
      const clock = new ManualClock();
      started = performance.now();
      const opened = await openEngine(engine, clock);
      log(`${engine}: opened in ${((performance.now() - started) / 1000).toFixed(1)} s; seeding`);
      try {
        const seedNote = await seed(opened.runtime, clock, history);
        log(seedNote);
        const app = await buildApp({ runtime: opened.runtime });
        // The same database and clock with the 500-asset graph, drawn whole; its runtime is not closed on its own (that would close the shared database).
        const whole = await buildApp({ runtime: { ...opened.runtime, graph: syntheticWarehouseGraph(WHOLE_ASSETS) } });
        try {
          log(`${engine}: ${FILTER_CASES.length} filters × ${samples}`);
          await sql`CREATE TABLE public.bench_catalog_writes (at timestamptz NOT NULL)`.execute(opened.runtime.database.db);
          const write = async () => {
            await sql`INSERT INTO public.bench_catalog_writes VALUES (now())`.execute(opened.runtime.database.db);
          };
          const filters = await measureFilters(app, samples, write);
          log(`${engine}: pages in chromium × ${loads}`);
          const pages = await measurePages({ catalog: app, whole }, pageCases(focused.largest.key), loads);
          parts.push(`### ${engine}\n\n${seedNote}\n\n${filterTable(engine, filters, samples)}\n\n${browserTable(engine, pages)}`);
        } finally {
          await whole.close();
          await app.close();
        }
      } finally {
        await opened.close();
      }
    }

    const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ');
    const section = [`## Run ${stamp} UTC`, '', `Graph: ${graph.nodes.length.toLocaleString('en-US')} assets, ${graph.edges.length.toLocaleString('en-US')} dependencies, built in ${Math.round(buildMs)} ms.`, '', ...parts.flatMap((part) => [part, ''])].join('\n');
    console.log(`\n${section}`);
    if (values['no-write'] !== true) {
      await writeCatalogResults(RESULTS_FILE, section);
      log(`written to ${RESULTS_FILE}`);
    }
  },
};

function count(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text.replaceAll(/[_,]/g, ''));
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${flag}: expected a whole number, got '${text}'`);
  return value;
}
