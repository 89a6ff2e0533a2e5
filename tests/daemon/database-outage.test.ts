/**
 * The database goes away and comes back, under real `strata daemon`, `strata worker` and
 * `strata serve` processes on Postgres, with a schedule ticking every second and the pipeline
 * running against the fake CoinGecko. Twice: first every connection of the database is
 * terminated (`pg_terminate_backend`), then it is terminated while the database refuses new
 * connections (a restart or a failover as the processes see it). Each process must live on,
 * log the outage in one line and its end in another, answer 503 on /readyz meanwhile, and
 * carry on: ticks resume, none is doubled, and every run that started ends.
 */
import type { ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnStrata, until } from '../helpers/strata-process.js';
import { POSTGRES_SKIP_REASON, postgresTestUrl } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';
import { freePort } from '../helpers/free-port.js';

const describePostgres = postgresTestUrl() === undefined ? describe.skip : describe;
const title = postgresTestUrl() === undefined ? ` (skipped: ${POSTGRES_SKIP_REASON})` : '';

const LOST = /database connection lost/;
const RESTORED = /database connection restored/;

interface Strata {
  readonly name: string;
  readonly child: ChildProcess;
  /** Parsed JSON log lines so far (stdout and stderr). */
  readonly lines: Array<{ level: number; msg: string }>;
  readonly raw: () => string;
}

describePostgres(`the database goes away and comes back [postgres]${title}`, () => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let admin: pg.Client;
  let databaseName: string;
  const started: Strata[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('database_outage', { backend: 'postgres' });
    // Migrates the pipeline's schemas once, so the processes start without racing to do it.
    pipeline = await startPipeline(database);
    databaseName = new URL(database.url ?? '').pathname.slice(1);
    // On the server's own database: it must outlive the outages of the test database.
    admin = new pg.Client({ connectionString: postgresTestUrl() });
    await admin.connect();
  });
  afterAll(async () => {
    for (const strata of started) strata.child.kill('SIGKILL');
    if (admin !== undefined) {
      await admin.query(`ALTER DATABASE "${databaseName}" ALLOW_CONNECTIONS true`).catch(() => {});
      await admin.end();
    }
    await pipeline?.stop();
    await database?.destroy();
  });

  function strata(name: string, args: string[], env: Record<string, string>): Strata {
    const child = spawnStrata(args, {
      DATABASE_URL: database.url ?? '',
      STRATA_DATA_DIR: pipeline.dataDir,
      COINGECKO_BASE_URL: pipeline.fake.url,
      COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
      COINGECKO_MAX_RETRIES: '0',
      STRATA_SCHEDULE_EVERY_6_HOURS_CRON: '* * * * * *',
      STRATA_HEARTBEAT_TIMEOUT: '5',
      STRATA_MAX_CONCURRENT_RUNS: '2',
      STRATA_METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    });
    let text = '';
    const lines: Strata['lines'] = [];
    const collect = (chunk: Buffer): void => {
      const before = text.length;
      text += chunk.toString();
      const start = text.lastIndexOf('\n', before) + 1;
      const end = text.lastIndexOf('\n');
      if (end < start) return;
      for (const line of text.slice(start, end).split('\n')) {
        try {
          lines.push(JSON.parse(line) as { level: number; msg: string });
        } catch {
          lines.push({ level: 60, msg: line });
        }
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const running = { name, child, lines, raw: () => text };
    started.push(running);
    return running;
  }

  const count = (process: Strata, pattern: RegExp) => process.lines.filter((line) => pattern.test(line.msg)).length;

  /** A bounded poll that fails at once, with its output, when any Strata process has died. */
  function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs?: number): Promise<true> {
    return until(
      what,
      async () => {
        for (const { name, child, raw } of started) {
          if (child.exitCode === null && child.signalCode === null) continue;
          const output = raw();
          const crash = Math.max(0, output.search(/Unhandled|Error:/));
          throw new Error(`${name} died (${child.exitCode ?? child.signalCode}) waiting for ${what}:\n${output.slice(crash, crash + 1500)}`);
        }
        return (await probe()) ? true : undefined;
      },
      timeoutMs,
    );
  }

  async function logged(process: Strata, pattern: RegExp, times: number): Promise<void> {
    await waitFor(`${process.name} to log ${pattern} ${times} time(s)`, async () => count(process, pattern) >= times);
  }

  async function status(url: string): Promise<number> {
    try {
      return (await fetch(url)).status;
    } catch {
      return 0;
    }
  }

  async function answers(url: string, expected: number): Promise<void> {
    await waitFor(`${url} to answer ${expected}`, async () => (await status(url)) === expected);
  }

  /** Metrics listeners bind port 0: the process logs where. */
  async function metricsUrl(process: Strata): Promise<string> {
    await logged(process, /^metrics on /, 1);
    const line = process.lines.find((entry) => /^metrics on /.test(entry.msg));
    return line!.msg.replace(/^metrics on /, '').replace(/\/metrics$/, '');
  }

  const terminateAll = () =>
    admin.query('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [databaseName]);

  async function ticksStored(): Promise<number> {
    const rows = await sql<{ n: number }>`SELECT count(*)::int AS n FROM strata.ticks WHERE schedule_name = 'every_6_hours'`.execute(database.db);
    return rows.rows[0]?.n ?? 0;
  }

  async function ticksResumeAfter(before: number): Promise<void> {
    await waitFor('ticks to resume', async () => (await ticksStored()) >= before + 2);
  }

  async function activeRuns(): Promise<string[]> {
    const rows = await database.db.selectFrom('strata.runs').select('id').where('status', 'in', ['STARTING', 'STARTED']).execute();
    return rows.map((row) => row.id);
  }

  async function allEnded(runIds: readonly string[]): Promise<void> {
    if (runIds.length === 0) return;
    await waitFor(
      `runs ${runIds.join(', ')} to end`,
      async () => {
        const rows = await database.db.selectFrom('strata.runs').select('status').where('id', 'in', runIds).execute();
        return rows.every((row) => ['SUCCESS', 'FAILURE', 'CANCELED'].includes(row.status));
      },
      90_000,
    );
  }

  it('daemon, worker and serve live through two outages: one line each, /readyz 503 then 200, ticks resume, none doubled, every started run ends', { timeout: 240_000 }, async () => {
    const port = await freePort();
    const daemon = strata('daemon', ['daemon'], {});
    await logged(daemon, /daemon ready/, 1);
    const worker = strata('worker', ['worker'], {});
    const serve = strata('serve', ['serve'], { PORT: String(port) });
    await logged(worker, /worker ready/, 1);
    await logged(serve, /Strata is serving/, 1);
    const processes = [daemon, worker, serve];
    const readyz = [`http://127.0.0.1:${port}/readyz`, `${await metricsUrl(daemon)}/readyz`, `${await metricsUrl(worker)}/readyz`];

    // Runs in flight when the connections go.
    await waitFor('a run to execute', async () => (await activeRuns()).length > 0);

    // 1: every connection terminated; the server stays up.
    let before = await ticksStored();
    const inFlight = new Set(await activeRuns());
    expect((await terminateAll()).rows[0].n).toBeGreaterThan(0);
    for (const process of processes) await logged(process, RESTORED, 1);
    await ticksResumeAfter(before);
    for (const url of readyz) await answers(url, 200);
    expect(processes.map((process) => count(process, LOST))).toEqual([1, 1, 1]);

    // 2: a restart as clients see it: connections terminated and refused for a while.
    await waitFor('a run to execute', async () => (await activeRuns()).length > 0);
    for (const id of await activeRuns()) inFlight.add(id);
    before = await ticksStored();
    await admin.query(`ALTER DATABASE "${databaseName}" ALLOW_CONNECTIONS false`);
    await terminateAll();
    for (const process of processes) await logged(process, LOST, 2);
    for (const url of readyz) await answers(url, 503);
    await admin.query(`ALTER DATABASE "${databaseName}" ALLOW_CONNECTIONS true`);
    for (const process of processes) await logged(process, RESTORED, 2);
    for (const url of readyz) await answers(url, 200);
    await ticksResumeAfter(before);

    // Every run in flight at an outage ends (finished, failed by its worker, or failed by the monitor).
    await allEnded([...inFlight]);

    for (const process of processes) {
      expect(process.child.exitCode, `${process.name} is alive`).toBeNull();
      // One line when the outage started and one when it ended, however many queries failed.
      expect(count(process, LOST), `${process.name}: ${LOST}`).toBe(2);
      expect(count(process, RESTORED), `${process.name}: ${RESTORED}`).toBe(2);
      expect(process.lines.filter((line) => /loop iteration failed|heartbeat failed|could not connect|connection lost; reconnecting/.test(line.msg))).toEqual([]);
    }

    const exits = processes.map((process) => new Promise<number | null>((resolve) => process.child.once('exit', (code) => resolve(code))));
    daemon.child.kill('SIGTERM');
    expect(await exits[0]).toBe(0);
    worker.child.kill('SIGTERM');
    serve.child.kill('SIGTERM');
    expect(await Promise.all(exits.slice(1))).toEqual([0, 0]);

    // No tick doubled: one run per tick that ran, each with its own run_key.
    const ticks = await sql<{ tick_at: Date; status: string; run_id: string | null }>`
      SELECT tick_at, status, run_id FROM strata.ticks WHERE schedule_name = 'every_6_hours' ORDER BY tick_at`.execute(database.db);
    const runs = await sql<{ id: string; run_key: string }>`SELECT id, run_key FROM strata.runs WHERE trigger = 'schedule'`.execute(database.db);
    const times = ticks.rows.map((tick) => tick.tick_at.getTime());
    expect(new Set(times).size).toBe(times.length);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(1000);
    const ran = ticks.rows.filter((tick) => tick.status === 'SUCCESS');
    expect(ran.every((tick) => tick.run_id !== null)).toBe(true);
    expect(new Set(runs.rows.map((run) => run.run_key)).size).toBe(runs.rows.length);
    expect(new Set(ran.map((tick) => tick.run_id))).toEqual(new Set(runs.rows.map((run) => run.id)));
    // The worker stopped gracefully: nothing is left executing.
    expect(await activeRuns()).toEqual([]);
  });
});
