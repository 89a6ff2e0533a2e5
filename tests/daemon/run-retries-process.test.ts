/**
 * Run retries with real `strata worker` processes on Postgres: a worker is killed (-9) mid-run,
 * another worker's run monitor (a 5 s heartbeat timeout) fails the lost run and queues a retry
 * per the run's policy, and that worker completes it. A run whose retries are 0 is failed and
 * left alone. The markets fetch is scripted to hang once, so the first run is blocked in a known
 * step when the kill arrives.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queueRun, type RunRequest } from '../../src/daemon/execute-run.js';
import { getRun, stepsForRun, type Run } from '../../src/storage/index.js';
import { spawnStrata, until } from '../helpers/strata-process.js';
import { POSTGRES_SKIP_REASON, postgresTestUrl } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { PARTITION, startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';

const describePostgres = postgresTestUrl() === undefined ? describe.skip : describe;
const title = postgresTestUrl() === undefined ? ` (skipped: ${POSTGRES_SKIP_REASON})` : '';
/** Two tsx process starts and a 5 s heartbeat timeout, on a shared 2-core machine. */
const PROCESS_WAIT_MS = 100_000;
const TEST_TIMEOUT_MS = 180_000;

interface WorkerProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far (JSON log lines). */
  readonly output: () => string;
  readonly exited: Promise<unknown>;
}

describePostgres(`run retries with worker processes [postgres]${title}`, () => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('run_retries_process', { backend: 'postgres' });
    pipeline = await startPipeline(database, { env: { STRATA_HEARTBEAT_TIMEOUT: '5' } });
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    }
  });
  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  function startWorker(): WorkerProcess {
    const child = spawnStrata(['worker', '--concurrency', '1'], {
      DATABASE_URL: database.url ?? '',
      STRATA_DATA_DIR: pipeline.dataDir,
      COINGECKO_BASE_URL: pipeline.fake.url,
      COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
      COINGECKO_MAX_RETRIES: '0',
      COINGECKO_TIMEOUT_MS: '600000',
      STRATA_METRICS_PORT: 'off',
      STRATA_HEARTBEAT_TIMEOUT: '5',
      LOG_LEVEL: 'info',
    });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return { child, output: () => output, exited: new Promise((resolve) => child.once('exit', resolve)) };
  }

  /** A run that worker A claims and that hangs in bronze/coingecko_markets until A is killed. */
  async function runLostWithItsWorker(request: RunRequest): Promise<Run> {
    pipeline.fake.script({ path: '/coins/markets', delayMs: 600_000 });
    // Only the asset that hangs: the retry then has little to do on a loaded machine.
    pipeline.clock.at(PARTITION);
    const run = await queueRun(pipeline.runtime, { selection: 'bronze/coingecko_markets', partitionKey: PARTITION, ...request });
    const lost = startWorker();
    await until('the markets step of worker A to wait on its hanging request', async () => {
      const steps = await stepsForRun(database.db, run.id);
      const running = steps.some((step) => step.assetKey === 'bronze/coingecko_markets' && step.status === 'RUNNING');
      // The hanging reply must be A's: left unused, it would hang the retry instead.
      return running && pipeline.fake.pendingScript === 0 ? true : undefined;
    }, PROCESS_WAIT_MS);
    lost.child.kill('SIGKILL');
    await lost.exited;
    return run;
  }

  it('kill -9 mid-run: with the default policy, the other worker fails the run, retries it and completes the retry', async () => {
    const run = await runLostWithItsWorker({});
    expect(run).toMatchObject({ trigger: 'manual', maxRetries: 2 });
    const survivor = startWorker();

    const retry = await until('a retry of the lost run to end', async () => {
      const child = await database.db.selectFrom('strata.runs').select('id').where('parent_run_id', '=', run.id).executeTakeFirst();
      const current = child === undefined ? undefined : await getRun(database.db, child.id);
      return current?.endedAt ? current : undefined;
    }, PROCESS_WAIT_MS);
    const parent = await getRun(database.db, run.id);
    expect(parent).toMatchObject({ status: 'FAILURE', error: expect.stringMatching(/^worker worker:.* stopped heartbeating .*timeout 5 s\)$/) });
    expect(retry).toMatchObject({
      status: 'SUCCESS',
      trigger: 'retry',
      parentRunId: run.id,
      runKey: `retry:${run.id}`,
      attempt: 2,
      maxRetries: 2,
      workerId: expect.stringContaining(`:${survivor.child.pid}:`),
    });
    expect(survivor.child.exitCode).toBeNull();
  }, TEST_TIMEOUT_MS);

  it('kill -9 mid-run: a run whose retries are 0 ends FAILURE and is not retried', async () => {
    const run = await runLostWithItsWorker({ maxRetries: 0 });
    const survivor = startWorker();

    const decided = (line: string) => line.includes(run.id) && line.includes('"not retried: its run retries are 0"');
    await until("the other worker's monitor to decide", async () => (survivor.output().split('\n').some(decided) ? true : undefined), PROCESS_WAIT_MS);
    expect(await getRun(database.db, run.id)).toMatchObject({ status: 'FAILURE', error: expect.stringMatching(/stopped heartbeating/) });
    const retries = await database.db.selectFrom('strata.runs').select('id').where('parent_run_id', '=', run.id).execute();
    expect(retries).toEqual([]);
  }, TEST_TIMEOUT_MS);
});
