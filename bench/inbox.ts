/**
 * CSV file dropped → its import run queued, at the default csv_inbox interval (STRATA_INBOX_INTERVAL
 * unset: 0.5 s). A real `strata daemon` on a scratch Postgres database and a fresh data
 * directory; no worker, so the runs stay QUEUED and nothing but the sensor is measured.
 *
 * "Dropped" is the moment a file written under a temporary name (`q.csv.part`, which the sensor
 * never takes) is renamed to `q.csv`: an atomic drop, as a careful copier makes it. "Queued" is
 * the run's `created_at` (key `sensor:csv_inbox:<sha256>`), written by the daemon on the same
 * machine's clock. Files go one at a time, each after the previous one's run is queued plus a
 * random pause within one interval, so drops land at every phase of the sensor's cadence. A file
 * is taken at the first look that finds it as the look before did: between one and two
 * intervals after the drop, plus the evaluation and the insert.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { access, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { migrateAll } from '../src/runtime.js';
import { openDatabase } from '../src/storage/index.js';
import { percentile } from './orchestration-report.js';
import { appendBenchRun } from './results-file.js';
import { createScratchDatabase } from './scratch-database.js';

export interface InboxBenchOptions {
  readonly adminUrl: string;
  /** Files timed (default 30; at least 20 for a p95). */
  readonly files: number;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, 'bench', 'results', 'inbox.md');
const GOAL_MS = 2_000;
/** Untimed drops first: the daemon's first evaluations, pool connections, plan caches. */
const WARM_UP_FILES = 3;

export async function runInboxBench(options: InboxBenchOptions): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'strata-bench-inbox-'));
  const scratch = await createScratchDatabase(options.adminUrl, 'strata_bench_inbox');
  const database = await openDatabase({ databaseUrl: scratch.url, dataDir });
  let daemon: ChildProcess | undefined;
  const client = new pg.Client({ connectionString: scratch.url });
  try {
    // Migrated here, so the daemon's start measures nothing of it.
    await migrateAll(database);
    await database.close();
    const intervalSeconds = loadConfig({}).inbox.intervalSeconds;
    daemon = startDaemon(scratch.url, dataDir);
    const inbox = join(dataDir, 'inbox');
    await waitFor('the daemon to create the inbox (its first csv_inbox evaluation)', () => access(inbox).then(() => true, () => false), daemon);
    await client.connect();

    const samples: number[] = [];
    for (let index = 0; index < WARM_UP_FILES + options.files; index++) {
      const text = `coin_id,snapshot_at,symbol,name,price_usd\nbench-${index},2026-11-23T06:00:00Z,b,Bench,${index + 1}\n`;
      const sha256 = createHash('sha256').update(text).digest('hex');
      const folder = join(inbox, 'bench');
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, `q-${index}.csv.part`), text);
      await pause(Math.random() * intervalSeconds * 1000);
      const droppedAt = Date.now();
      await rename(join(folder, `q-${index}.csv.part`), join(folder, `q-${index}.csv`));
      const queuedAt = await waitFor(`the run of q-${index}.csv`, () => createdAt(client, `sensor:csv_inbox:${sha256}`), daemon);
      if (index >= WARM_UP_FILES) samples.push(queuedAt.getTime() - droppedAt);
    }
    report(options, intervalSeconds, samples);
    await appendBenchRun(RESULTS, { intro: INTRO, section: section(options, intervalSeconds, samples), keep: 5 });
  } finally {
    await client.end().catch(() => undefined);
    if (daemon !== undefined && daemon.exitCode === null) {
      const exited = once(daemon, 'exit');
      daemon.kill('SIGTERM');
      await exited;
    }
    await scratch.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function startDaemon(databaseUrl: string, dataDir: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'daemon'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: databaseUrl, STRATA_DATA_DIR: dataDir, STRATA_METRICS_PORT: 'off', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

async function createdAt(client: pg.Client, runKey: string): Promise<Date | undefined> {
  const { rows } = await client.query<{ created_at: Date }>('SELECT created_at FROM strata.runs WHERE run_key = $1', [runKey]);
  return rows[0]?.created_at;
}

/** A bench may poll: the time measured is the run's created_at, not when the poll saw it. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, daemon: ChildProcess, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (daemon.exitCode !== null) throw new Error(`strata daemon exited with ${daemon.exitCode} while waiting for ${what}`);
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await pause(10);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const ms = (value: number) => `${Math.round(value).toLocaleString('en-US')} ms`;

function table(intervalSeconds: number, samples: readonly number[]): string {
  const p95 = percentile(samples, 95);
  return [
    `| files | interval | p50 | p95 | max | p95 < ${ms(GOAL_MS)} |`,
    '|---:|---:|---:|---:|---:|:---:|',
    `| ${samples.length} | ${intervalSeconds} s | ${ms(percentile(samples, 50))} | ${ms(p95)} | ${ms(percentile(samples, 100))} | ${p95 < GOAL_MS ? '✅' : '❌'} |`,
  ].join('\n');
}

function report(options: InboxBenchOptions, intervalSeconds: number, samples: readonly number[]): void {
  console.log(`\nCSV inbox, Postgres: file dropped → import run queued, ${options.files} files at the default interval\n`);
  console.log(table(intervalSeconds, samples));
  if (percentile(samples, 95) >= GOAL_MS) process.exitCode = 1;
}

function section(options: InboxBenchOptions, intervalSeconds: number, samples: readonly number[]): string {
  return [`## Run ${new Date().toISOString()} (\`npm run bench -- inbox --files ${options.files}\`)`, '', table(intervalSeconds, samples)].join('\n');
}

const INTRO = `# CSV inbox: file dropped → import run queued

\`npm run bench -- inbox [--files N]\`: a real \`strata daemon\` on a scratch Postgres database, no
worker. Each file is written as \`q.csv.part\` and renamed to \`q.csv\` (the drop); the latency is the
run's \`created_at\` minus the rename. A file is taken at the first look that finds it unchanged since
the look before, so the latency is one to two sensor intervals plus the evaluation. Goal: p95 < 2 s
at the default interval (0.5 s).`;
