/**
 * Runs one named bench: `npm run bench -- <name> [options]`, `npm run bench -- --help`.
 * Benches that need Postgres use `BENCH_DATABASE_URL`, else `DATABASE_URL`, else local trust
 * auth, as an admin connection that may create and drop scratch databases.
 */
import { parseArgs } from 'node:util';
import { apiBench } from './api.js';
import { automationBench } from './automation.js';
import { catalogBench } from './catalog.js';
import { definitionsBench } from './definitions.js';
import { runEmbeddedBench } from './embedded.js';
import { historyRangeBench } from './history-range.js';
import { runImportBench } from './import.js';
import { runInboxBench } from './inbox.js';
import { runOutageBench } from './database-outage.js';
import { runLoadBench } from './load.js';
import { runMarketBench } from './market.js';
import { orchestrationBench } from './orchestration.js';
import { parallelStepsBench } from './orchestration-parallel-steps.js';
import { runParquetBench } from './parquet.js';
import { runPipelineBench } from './pipeline.js';
import { rateLimitBench } from './rate-limit.js';
import { sensorsBench } from './sensors.js';
import { sseBench } from './sse.js';
import { ticksBench } from './ticks.js';
import { sqlAssetsBench } from './sql-assets.js';
import { benchAdminUrl } from './scratch-database.js';
import { positiveInteger } from './bench-args.js';

interface Bench {
  readonly summary: string;
  readonly usage: string;
  run(args: string[]): Promise<void>;
}

const BENCHES: Readonly<Record<string, Bench>> = {
  automation: automationBench,
  definitions: definitionsBench,
  sensors: sensorsBench,
  'history-range': historyRangeBench,
  sse: sseBench,
  ticks: ticksBench,
  inbox: {
    summary: 'CSV inbox: file dropped → its import run queued, by a real strata daemon at the default interval',
    usage: ['inbox [--files N]', '  --files  files timed, one at a time (default 30; at least 20)'].join('\n'),
    async run(args) {
      const { values } = parseArgs({ args, options: { files: { type: 'string' } } });
      const files = positiveInteger('--files', values.files, 30);
      if (files < 20) throw new Error('--files: at least 20, for a p95');
      await runInboxBench({ adminUrl: benchAdminUrl(), files });
    },
  },
  load: {
    summary: 'silver load: Strata COPY + merge per snapshot vs psql \\copy of the same rows',
    usage: [
      'load [--rows N] [--snapshot-size N] [--seed N] [--psql-first] [--skip-diff]',
      '  --rows           rows in all (default 1,000,000)',
      '  --snapshot-size  rows per snapshot, one transaction each (default 15,000)',
      '  --seed           synthetic data seed (default 1)',
      '  --psql-first     time psql before Strata (default: Strata first)',
      '  --skip-diff      skip the full EXCEPT ALL comparison of the two tables',
    ].join('\n'),
    async run(args) {
      const { values } = parseArgs({
        args,
        options: {
          rows: { type: 'string' },
          'snapshot-size': { type: 'string' },
          seed: { type: 'string' },
          'psql-first': { type: 'boolean' },
          'skip-diff': { type: 'boolean' },
        },
      });
      const result = await runLoadBench({
        adminUrl: benchAdminUrl(),
        rows: positiveInteger('--rows', values.rows, 1_000_000),
        snapshotSize: positiveInteger('--snapshot-size', values['snapshot-size'], 15_000),
        seed: positiveInteger('--seed', values.seed, 1),
        psqlFirst: values['psql-first'] ?? false,
        skipDiff: values['skip-diff'] ?? false,
      });
      if (!result.verified) process.exitCode = 1;
    },
  },
  parquet: {
    summary: 'Parquet writers: one snapshot of market rows with each candidate, read back by DuckDB',
    usage: [
      'parquet [--rows N] [--repeats N] [--candidates a,b]',
      '  --rows        rows in the snapshot (default 15,000)',
      '  --repeats     timed runs per candidate, best reported (default 1)',
      '  --candidates  comma-separated candidate names (default all)',
    ].join('\n'),
    async run(args) {
      const { values } = parseArgs({
        args,
        options: { rows: { type: 'string' }, repeats: { type: 'string' }, candidates: { type: 'string' } },
      });
      const results = await runParquetBench({
        rows: positiveInteger('--rows', values.rows, 15_000),
        repeats: positiveInteger('--repeats', values.repeats, 1),
        ...(values.candidates === undefined ? {} : { candidates: values.candidates.split(',').map((c) => c.trim()) }),
      });
      if (results.some((r) => !r.readBackOk)) process.exitCode = 1;
    },
  },
  pipeline: {
    summary: 'the whole universe through the fake CoinGecko, one run of every asset per engine; PGlite start-up costs',
    usage: [
      'pipeline [--coins N] [--engines postgres,pglite]',
      '  --coins    coins the fake CoinGecko serves and the pipeline fetches (default 15,000: 60 pages)',
      '  --engines  comma-separated, postgres and/or pglite (default both)',
    ].join('\n'),
    async run(args) {
      const { values } = parseArgs({ args, options: { coins: { type: 'string' }, engines: { type: 'string' } } });
      const engines = (values.engines ?? 'postgres,pglite').split(',').map((engine) => engine.trim());
      for (const engine of engines) if (engine !== 'postgres' && engine !== 'pglite') throw new Error(`--engines: expected postgres and/or pglite, got '${engine}'`);
      const results = await runPipelineBench({
        coins: positiveInteger('--coins', values.coins, 15_000),
        engines: engines as ('postgres' | 'pglite')[],
        adminUrl: benchAdminUrl(),
      });
      if (results.some((result) => result.runStatus !== 'SUCCESS')) process.exitCode = 1;
    },
  },
  import: {
    summary: 'strata import of a large synthetic CSV on Postgres: read + validate, load, the same file again',
    usage: ['import [--lines N]', '  --lines  data lines in the CSV (default 100,000)'].join('\n'),
    async run(args) {
      const { values } = parseArgs({ args, options: { lines: { type: 'string' } } });
      await runImportBench({ lines: positiveInteger('--lines', values.lines, 100_000), adminUrl: benchAdminUrl() });
    },
  },
  market: {
    summary: 'the market-data API over ~1.2 M quotes on Postgres: newest snapshot, a deep page, a history page, /coins by source',
    usage: [
      'market [--coins N] [--snapshots N] [--samples N]',
      '  --coins      CoinGecko coins; CoinPaprika quotes a fifth of them (default 5,000)',
      '  --snapshots  six-hourly snapshots of each (default 200: 1.2 M quotes in all)',
      '  --samples    timed requests per measurement, after 5 warm-up ones (default 50)',
    ].join('\n'),
    async run(args) {
      const { values } = parseArgs({ args, options: { coins: { type: 'string' }, snapshots: { type: 'string' }, samples: { type: 'string' } } });
      await runMarketBench({
        coins: positiveInteger('--coins', values.coins, 5_000),
        snapshots: positiveInteger('--snapshots', values.snapshots, 200),
        samples: positiveInteger('--samples', values.samples, 50),
        adminUrl: benchAdminUrl(),
      });
    },
  },
  orchestration: orchestrationBench,
  'parallel-steps': parallelStepsBench,
  api: apiBench,
  catalog: catalogBench,
  embedded: {
    summary: "embedded database: the same queries, transactions and COPY in its owner and in a client through the owner's socket",
    usage: [
      'embedded [--queries N] [--transactions N] [--copy-rows N] [--rounds N]',
      '  --queries       point queries per round (default 2,000)',
      '  --transactions  small transactions per round (default 300)',
      '  --copy-rows     rows in the COPY (default 50,000)',
      '  --rounds        rounds, best kept (default 3)',
    ].join('\n'),
    async run(args) {
      const { values } = parseArgs({
        args,
        options: { queries: { type: 'string' }, transactions: { type: 'string' }, 'copy-rows': { type: 'string' }, rounds: { type: 'string' } },
      });
      await runEmbeddedBench({
        queries: positiveInteger('--queries', values.queries, 2_000),
        transactions: positiveInteger('--transactions', values.transactions, 300),
        copyRows: positiveInteger('--copy-rows', values['copy-rows'], 50_000),
        rounds: positiveInteger('--rounds', values.rounds, 3),
      });
    },
  },
  'rate-limit': rateLimitBench,
  'sql-assets': sqlAssetsBench,
  'database-outage': {
    summary: 'lost database: time until a pool works again after pg_terminate_backend, and after a restart',
    usage: ['database-outage [--rounds N] [--down-ms N]', '  --rounds   outages of each kind (default 10)', '  --down-ms  how long connections are refused in a restart (default 3000)'].join('\n'),
    async run(args) {
      const { values } = parseArgs({ args, options: { rounds: { type: 'string' }, 'down-ms': { type: 'string' } } });
      const result = await runOutageBench({
        adminUrl: benchAdminUrl(),
        rounds: positiveInteger('--rounds', values.rounds, 10),
        downMs: positiveInteger('--down-ms', values['down-ms'], 3_000),
      });
      if (result.lines !== result.outages * 2) process.exitCode = 1;
    },
  },
};

/** Accepts `1000000`, `1_000_000` and `1,000,000`. */

function help(): string {
  const width = Math.max(...Object.keys(BENCHES).map((n) => n.length));
  return [
    'usage: npm run bench -- <name> [options]     (npm run bench -- <name> --help for its options)',
    '',
    'benches:',
    ...Object.entries(BENCHES).map(([name, bench]) => `  ${name.padEnd(width)}  ${bench.summary}`),
    '',
    'Postgres (load, pipeline, import, market, orchestration, api): BENCH_DATABASE_URL, else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres',
    'Postgres (load, orchestration, api, rate-limit, catalog): BENCH_DATABASE_URL, else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres',
  ].join('\n');
}

// The bench name comes first; the bench parses the options after it strictly.
const [name, ...rest] = process.argv.slice(2);
if (name === undefined || name.startsWith('-')) {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { help: { type: 'boolean', short: 'h' } }, strict: false });
  console.log(help());
  if (values.help !== true) process.exitCode = 2;
} else {
  const bench = BENCHES[name];
  if (bench === undefined) {
    console.error(`unknown bench '${name}'\n\n${help()}`);
    process.exitCode = 2;
  } else if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`usage: npm run bench -- ${bench.usage}`);
  } else {
    await bench.run(rest);
  }
}
