/**
 * Workers as real processes (`strata worker`) on Postgres, with the real pipeline against the
 * fake CoinGecko: kill -9 mid-run, and SIGTERM mid-run. The markets fetch is scripted to hang,
 * so the run is blocked in a known step when the signal arrives.
 */
import type { ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queueRun } from '../../src/daemon/execute-run.js';
import { runMonitorOnce } from '../../src/daemon/run-monitor.js';
import { createWorker } from '../../src/daemon/worker.js';
import { getRun, stepsForRun, type Run } from '../../src/storage/index.js';
import { spawnStrata, until } from '../helpers/strata-process.js';
import { POSTGRES_SKIP_REASON, postgresTestUrl } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { PARTITION, SNAPSHOT_AT, countSilver, dumpSilver, startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';
import { waitForRunEnds } from './queue-harness.js';

const describePostgres = postgresTestUrl() === undefined ? describe.skip : describe;
const title = postgresTestUrl() === undefined ? ` (skipped: ${POSTGRES_SKIP_REASON})` : '';

describePostgres(`worker processes [postgres]${title}`, () => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('worker_process', { backend: 'postgres' });
    pipeline = await startPipeline(database);
  });
  afterEach(() => {
    child?.kill('SIGKILL');
  });
  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  function startWorkerProcess(env: Record<string, string> = {}): ChildProcess {
    const started = spawnStrata(['worker'], {
      DATABASE_URL: database.url ?? '',
      STRATA_DATA_DIR: pipeline.dataDir,
      COINGECKO_BASE_URL: pipeline.fake.url,
      COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
      COINGECKO_MAX_RETRIES: '0',
      COINGECKO_TIMEOUT_MS: '600000',
      STRATA_METRICS_PORT: '0',
      ...env,
    });
    let stderr = '';
    started.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    started.on('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGKILL') console.error(`worker process exited ${code ?? signal}: ${stderr}`);
    });
    return started;
  }

  const marketsRunning = (run: Run) =>
    until('the markets step to start in the worker process', async () => {
      const steps = await stepsForRun(database.db, run.id);
      return steps.some((step) => step.assetKey === 'bronze/coingecko_markets' && step.status === 'RUNNING') ? true : undefined;
    });

  const exited = (process: ChildProcess) => new Promise<number | null>((resolve) => process.once('exit', (code) => resolve(code)));

  async function silverDuplicates(): Promise<number> {
    const result = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT coin_id FROM silver.market_snapshots
      WHERE snapshot_at = ${SNAPSHOT_AT}::timestamptz GROUP BY coin_id HAVING count(*) > 1) d`.execute(database.db);
    return result.rows[0]?.n ?? -1;
  }

  async function executeInThisProcess(runId: string): Promise<string> {
    const ended = waitForRunEnds([pipeline.runtime.events], [runId]);
    const worker = createWorker(pipeline.runtime, { concurrency: 1 });
    await worker.start();
    const end = (await ended).get(runId);
    await worker.stop({ graceMs: 0 });
    return end?.type ?? 'none';
  }

  it('kill -9 mid-run: the monitor fails the run, the retry resumes from failure to SUCCESS, silver is whole', async () => {
    pipeline.fake.script({ path: '/coins/markets', delayMs: 20_000 });
    const run = await queueRun(pipeline.runtime, { partitionKey: PARTITION, trigger: 'schedule' });
    // One step at a time: exactly the steps planned before the markets fetch have succeeded when it hangs.
    child = startWorkerProcess({ STRATA_MAX_CONCURRENT_STEPS: '1' });
    await marketsRunning(run);
    const gone = exited(child);
    child.kill('SIGKILL');
    await gone;

    const stillStarted = await getRun(database.db, run.id);
    expect(stillStarted?.status).toBe('STARTED');
    const timeout = pipeline.runtime.config.heartbeatTimeoutMs;
    const { failed } = await runMonitorOnce(pipeline.runtime, new Date(Date.now() + timeout + 1000));
    expect(failed.map((entry) => entry.run.id)).toEqual([run.id]);
    const failedRun = await getRun(database.db, run.id);
    expect(failedRun?.status).toBe('FAILURE');
    expect(failedRun?.error).toMatch(/^worker worker:.* stopped heartbeating/);
    const retry = failed[0]?.retry;
    expect(retry).toMatchObject({ trigger: 'retry', attempt: 2, skipSteps: ['bronze/coingecko_global|2025-02-09T12:00Z'] });

    expect(await executeInThisProcess(retry!.id)).toBe('run:succeeded');
    const steps = await stepsForRun(database.db, retry!.id);
    expect(steps.filter((step) => step.status !== 'SUCCESS').map((step) => [step.assetKey, step.status])).toEqual([['bronze/coingecko_global', 'SKIPPED']]);
    expect(await silverDuplicates()).toBe(0);
    expect(await countSilver(database, SNAPSHOT_AT)).toBe(250);

    // A clean run of the same partition leaves exactly the same silver rows.
    const resumed = await dumpSilver(database, SNAPSHOT_AT);
    const clean = await pipeline.materialize(PARTITION);
    expect(clean.result.status).toBe('SUCCESS');
    expect(await dumpSilver(database, SNAPSHOT_AT)).toEqual(resumed);
  });

  it('SIGTERM mid-run: nothing is left STARTED, the run is retried and completes', async () => {
    pipeline.fake.script({ path: '/coins/markets', delayMs: 20_000 });
    pipeline.clock.at(PARTITION);
    const run = await queueRun(pipeline.runtime, { partitionKey: PARTITION });
    child = startWorkerProcess({ STRATA_SHUTDOWN_GRACE: '1' });
    await marketsRunning(run);
    const gone = exited(child);
    const signaled = performance.now();
    child.kill('SIGTERM');
    expect(await gone).toBe(0);
    const shutdownMs = performance.now() - signaled;

    const active = await database.db.selectFrom('strata.runs').select('id').where('status', 'in', ['STARTING', 'STARTED']).execute();
    expect(active).toEqual([]);
    const interrupted = await getRun(database.db, run.id);
    expect(interrupted?.status).toBe('FAILURE');
    expect(interrupted?.error).toMatch(/^interrupted: worker .* shut down \(grace period of 1000 ms over\); resumed as run /);
    const retry = await database.db.selectFrom('strata.runs').select(['id', 'status']).where('parent_run_id', '=', run.id).executeTakeFirstOrThrow();
    expect(retry.status).toBe('QUEUED');
    expect(await executeInThisProcess(retry.id)).toBe('run:succeeded');
    expect(await silverDuplicates()).toBe(0);
    expect(shutdownMs).toBeLessThan(15_000);
  });
});
