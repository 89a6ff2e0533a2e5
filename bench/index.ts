/**
 * Runs one named bench: `npm run bench -- <name> [options]`, `npm run bench -- --help`.
 * Benches that need Postgres use `BENCH_DATABASE_URL`, else `DATABASE_URL`, else local trust
 * auth, as an admin connection that may create and drop scratch databases.
 */
import { parseArgs } from 'node:util';
import { apiBench } from './api.js';
import { runOutageBench } from './database-outage.js';
import { runLoadBench } from './load.js';
import { orchestrationBench } from './orchestration.js';
import { runParquetBench } from './parquet.js';
import { benchAdminUrl } from './scratch-database.js';

interface Bench {
  readonly summary: string;
  readonly usage: string;
  run(args: string[]): Promise<void>;
}

const BENCHES: Readonly<Record<string, Bench>> = {
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
  orchestration: orchestrationBench,
  api: apiBench,
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
function positiveInteger(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text.replaceAll(/[_,]/g, ''));
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${flag}: expected a positive integer, got '${text}'`);
  return value;
}

function help(): string {
  const width = Math.max(...Object.keys(BENCHES).map((n) => n.length));
  return [
    'usage: npm run bench -- <name> [options]     (npm run bench -- <name> --help for its options)',
    '',
    'benches:',
    ...Object.entries(BENCHES).map(([name, bench]) => `  ${name.padEnd(width)}  ${bench.summary}`),
    '',
    'Postgres (load, orchestration, api): BENCH_DATABASE_URL, else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres',
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
