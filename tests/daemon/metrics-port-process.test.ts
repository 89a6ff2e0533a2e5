/**
 * Two real `strata worker` processes on one host with the same STRATA_METRICS_PORT: the first
 * serves /metrics, the second says so in one line naming the setting and keeps working without
 * the listener (it still claims runs). Nothing prints a stack trace.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueRun } from '../../src/daemon/execute-run.js';
import { getRun } from '../../src/storage/index.js';
import { outputOf, spawnStrata, until } from '../helpers/strata-process.js';
import { POSTGRES_SKIP_REASON, postgresTestUrl } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { PARTITION, startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';
import { freePort } from '../helpers/free-port.js';

const describePostgres = postgresTestUrl() === undefined ? describe.skip : describe;
const title = postgresTestUrl() === undefined ? ` (skipped: ${POSTGRES_SKIP_REASON})` : '';

describePostgres(`metrics port shared by two processes [postgres]${title}`, () => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('metrics_port_process', { backend: 'postgres' });
    pipeline = await startPipeline(database);
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await pipeline?.stop();
    await database?.destroy();
  });

  function startWorker(port: number): { child: ChildProcess; output: ReturnType<typeof outputOf> } {
    const child = spawnStrata(['worker'], {
      DATABASE_URL: database.url ?? '',
      STRATA_DATA_DIR: pipeline.dataDir,
      COINGECKO_BASE_URL: pipeline.fake.url,
      COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
      COINGECKO_MAX_RETRIES: '0',
      STRATA_METRICS_PORT: String(port),
      LOG_LEVEL: 'info',
    });
    children.push(child);
    return { child, output: outputOf(child) };
  }

  it('the second worker logs one line naming STRATA_METRICS_PORT, stays alive and still claims runs', async () => {
    const port = await freePort();
    const first = startWorker(port);
    await until('the first worker to serve /healthz', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      return response?.ok ? true : undefined;
    });

    const second = startWorker(port);
    let secondStdout = '';
    second.child.stdout?.on('data', (chunk: Buffer) => (secondStdout += chunk.toString()));
    await until('the second worker to be ready (or to exit)', async () => (secondStdout.includes('worker ready') || second.child.exitCode !== null ? true : undefined));
    expect(second.child.exitCode).toBeNull();
    const lines = secondStdout.split('\n').filter((text) => text.includes('STRATA_METRICS_PORT'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      level: 40,
      msg: `STRATA_METRICS_PORT=${port}: 127.0.0.1:${port} is already in use (another Strata process on this host?); running on without /metrics. Give each process on a host its own STRATA_METRICS_PORT (e.g. ${port + 1}), 0 for any free port, or off for none.`,
    });

    // With the first worker gone, only the second can claim the next run.
    first.child.kill('SIGTERM');
    expect((await first.output).code).toBe(0);
    pipeline.clock.at(PARTITION);
    const run = await queueRun(pipeline.runtime, { selection: 'bronze/coingecko_global', partitionKey: PARTITION });
    const ended = await until('the second worker to execute the run', async () => {
      const current = await getRun(database.db, run.id);
      return current?.endedAt ? current : undefined;
    });
    expect(ended).toMatchObject({ status: 'SUCCESS', workerId: expect.stringContaining(`:${second.child.pid}:`) });

    second.child.kill('SIGTERM');
    const { code, stdout, stderr } = await second.output;
    expect(code).toBe(0);
    expect(`${secondStdout}${stdout}${stderr}`).not.toMatch(/EADDRINUSE|\n\s+at /);
    expect(secondStdout.split('\n').filter((text) => text.includes('STRATA_METRICS_PORT'))).toHaveLength(1);
  });
});
