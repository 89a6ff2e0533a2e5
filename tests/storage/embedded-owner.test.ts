/**
 * One owner per embedded database, as a new user meets it: `strata start` running, and the CLI
 * beside it on the same ./data. Real processes on one PGlite data directory: the server owns it,
 * every CLI command goes through the server's socket, runs made on either side are seen by the
 * other at once, a second `start` refuses naming the owner, and after a restart (graceful or
 * kill -9) every run is still there.
 */
import type { ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startFakeCoinGecko, type RunningFakeCoinGecko } from '../../src/pipeline/fake-coingecko/index.js';
import { outputOf, runStrata, spawnStrata, until } from '../helpers/strata-process.js';
import { freePort } from '../helpers/free-port.js';

interface ApiRun {
  readonly id: string;
  readonly status: string;
}

describe('the embedded database beside `strata start` (real processes)', { timeout: 300_000 }, () => {
  let fake: RunningFakeCoinGecko;
  let dataDir: string;
  let env: Record<string, string>;
  let baseUrl: string;
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    fake = await startFakeCoinGecko();
    dataDir = await mkdtemp(join(tmpdir(), 'strata-owner-'));
    await cp(inject('pgliteTemplate'), join(dataDir, 'pglite'), { recursive: true });
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    env = {
      STRATA_DATA_DIR: dataDir,
      PORT: String(port),
      COINGECKO_BASE_URL: fake.url,
      COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
      STRATA_HISTORY_COINS: '0',
    };
  });
  afterAll(async () => {
    if (server?.exitCode === null) server.kill('SIGKILL');
    await fake?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function startServer(): Promise<ChildProcess> {
    const child = spawnStrata(['start'], env);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await until(
      'strata start to serve /readyz',
      async () => {
        if (child.exitCode !== null) throw new Error(`strata start exited ${child.exitCode}: ${stderr}`);
        return (await fetch(`${baseUrl}/readyz`).catch(() => undefined))?.ok ? true : undefined;
      },
      120_000,
    );
    return child;
  }

  async function apiRuns(): Promise<ApiRun[]> {
    const response = await fetch(`${baseUrl}/api/v1/runs?limit=200`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { runs: ApiRun[] }).runs;
  }

  async function cliRuns(): Promise<ApiRun[]> {
    const result = await runStrata(['runs', '--json', '--limit', '200'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as ApiRun[];
  }

  const ids = (runs: readonly ApiRun[]) => runs.map((run) => run.id).sort();

  it('the CLI works through the server: runs made on either side appear on the other at once', async () => {
    server = await startServer();

    const materialized = await runStrata(['materialize', 'bronze/coingecko_markets+'], env);
    expect(materialized.stderr).not.toMatch(/error/i);
    expect(materialized.code).toBe(0);
    const cliView = await cliRuns();
    const cliRun = cliView.find((run) => run.status === 'SUCCESS');
    expect(cliRun).toBeDefined();
    // The server shows the CLI's run without a restart.
    expect(ids(await apiRuns())).toContain(cliRun?.id);

    const launched = await fetch(`${baseUrl}/api/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ selection: 'gold/*' }),
    });
    expect(launched.status).toBe(201);
    const serverRun = ((await launched.json()) as { runs: ApiRun[] }).runs[0];
    expect(serverRun).toBeDefined();
    const ended = await until('the server to finish its run', async () => {
      const run = (await cliRuns()).find((candidate) => candidate.id === serverRun?.id);
      return run !== undefined && ['SUCCESS', 'FAILURE'].includes(run.status) ? run : undefined;
    });
    expect(ended.status).toBe('SUCCESS');
    expect(ids(await cliRuns())).toEqual(ids(await apiRuns()));
    const owner = JSON.parse(await readFile(join(dataDir, 'pglite.owner.json'), 'utf8')) as { pid: number; command: string };
    expect(owner).toMatchObject({ pid: server.pid, command: 'strata start' });
  });

  it('a second `strata start` refuses in one line naming the owner, and changes nothing', async () => {
    const before = ids(await apiRuns());
    const second = await runStrata(['start'], { ...env, PORT: String(await freePort()) });
    expect(second.code).toBe(2);
    const lines = second.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`pid ${server?.pid} (strata start)`);
    expect(ids(await apiRuns())).toEqual(before);
    expect(JSON.parse(await readFile(join(dataDir, 'pglite.owner.json'), 'utf8'))).toMatchObject({ pid: server?.pid });
  });

  it('after a graceful restart and after kill -9, every run is still there', async () => {
    const before = ids(await apiRuns());
    expect(before.length).toBeGreaterThanOrEqual(2);
    server?.kill('SIGTERM');
    expect((await outputOf(server as ChildProcess)).code).toBe(0);

    server = await startServer();
    expect(ids(await apiRuns())).toEqual(before);

    // A crashed owner leaves no lock behind: the CLI opens the database itself and finds every run.
    server.kill('SIGKILL');
    await outputOf(server);
    expect(ids(await cliRuns())).toEqual(before);
    server = await startServer();
    expect(ids(await apiRuns())).toEqual(before);
  });
});

