/**
 * How fast a Strata process notices a lost database and gets back to work. On a scratch
 * database with one pool (as every Strata process has), each round:
 * - terminate: `pg_terminate_backend` every connection, then time until the pool reports the
 *   database available again and a query succeeds;
 * - restart: refuse connections for `downMs` and terminate, then time from the moment
 *   connections are accepted again until the pool reports it (the backoff's share of an outage).
 * Log lines are counted: one when each outage starts, one when it ends.
 *
 *   npm run bench -- database-outage [--rounds 10] [--down-ms 3000]
 */
import pg from 'pg';
import { openDatabase } from '../src/storage/index.js';
import { createScratchDatabase } from './scratch-database.js';

export interface OutageBenchOptions {
  readonly adminUrl: string;
  readonly rounds?: number;
  readonly downMs?: number;
  readonly log?: (line: string) => void;
}

export interface OutageBenchResult {
  /** ms from terminate to the pool available and a query answered, per round. */
  readonly terminateMs: readonly number[];
  /** ms from connections accepted again to the pool available, per round. */
  readonly restartLagMs: readonly number[];
  /** Log lines the pool wrote, and outages there were (two lines each expected). */
  readonly lines: number;
  readonly outages: number;
}

export async function runOutageBench(options: OutageBenchOptions): Promise<OutageBenchResult> {
  const rounds = options.rounds ?? 10;
  const downMs = options.downMs ?? 3_000;
  const log = options.log ?? ((line: string) => console.log(line));
  const scratch = await createScratchDatabase(options.adminUrl, 'strata_outage');
  const admin = new pg.Client({ connectionString: options.adminUrl });
  await admin.connect();
  let lines = 0;
  const database = await openDatabase({ databaseUrl: scratch.url, dataDir: '.', logger: { info: () => (lines += 1), warn: () => (lines += 1) } });
  lines = 0;
  const availability = database.availability!;
  const pool = database.pgPool!;
  const terminate = () => admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [scratch.name]);
  const allow = (yes: boolean) => admin.query(`ALTER DATABASE ${scratch.name} ALLOW_CONNECTIONS ${yes}`);
  const warm = () => Promise.all([1, 2, 3, 4].map(() => pool.query('SELECT pg_sleep(0.01)')));
  const terminateMs: number[] = [];
  const restartLagMs: number[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      await warm();
      const start = performance.now();
      await terminate();
      while (availability.available) await new Promise((resolve) => setImmediate(resolve));
      await availability.whenAvailable();
      await pool.query('SELECT 1');
      terminateMs.push(performance.now() - start);

      await warm();
      await allow(false);
      await terminate();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await allow(true);
      const back = performance.now();
      await availability.whenAvailable();
      restartLagMs.push(performance.now() - back);
      log(`round ${round}: terminate → working again ${terminateMs.at(-1)!.toFixed(0)} ms; accepted again → pool available ${restartLagMs.at(-1)!.toFixed(0)} ms`);
    }
  } finally {
    await allow(true).catch(() => {});
    await database.close();
    await admin.end();
    await scratch.drop();
  }
  const outages = rounds * 2;
  log(`terminate: median ${median(terminateMs)} ms, max ${Math.round(Math.max(...terminateMs))} ms`);
  log(`restart (${downMs} ms down): lag after the server is back median ${median(restartLagMs)} ms, max ${Math.round(Math.max(...restartLagMs))} ms`);
  log(`log lines: ${lines} for ${outages} outages`);
  return { terminateMs, restartLagMs, lines, outages };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)] ?? Number.NaN);
}
