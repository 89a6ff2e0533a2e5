/**
 * A source that cannot be reached at all (no such host, nothing listening) on a first start: the
 * error says how to run offline, with the README's fake and base-URL line, in the client's error,
 * in the run's step error (as stored) and in the CLI's summary. The hosts are `.invalid` (never
 * resolves, RFC 2606) and a loopback port just closed: no traffic leaves the machine.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { startFakeCoinGecko } from '../../src/pipeline/fake-coingecko/index.js';
import { createCoinGeckoClient } from '../../src/pipeline/sources/coingecko-client.js';
import { createCoinPaprikaClient } from '../../src/pipeline/sources/coinpaprika-client.js';
import { SourceHttpError } from '../../src/pipeline/sources/source-errors.js';
import { runStrata } from '../helpers/strata-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { PARTITION, querySql, startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';

const COINGECKO_HINT = 'to run offline, start the local fake in another terminal (npm run strata -- fake-coingecko --port 8787) and set COINGECKO_BASE_URL=http://127.0.0.1:8787/api/v3';
const COINPAPRIKA_HINT = 'to run offline, start the local fake in another terminal (npm run strata -- fake-coinpaprika --port 8788) and set COINPAPRIKA_BASE_URL=http://127.0.0.1:8788/v1';

/** A loopback port that was listening a moment ago and is closed now: connections are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function failureOf(promise: Promise<unknown>): Promise<SourceHttpError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof SourceHttpError)) throw new Error(`expected a SourceHttpError, got ${String(error)}`);
  return error;
}

const settings = { rateLimitPerMinute: 1_000, rateLimitWindowMs: 60_000, timeoutMs: 5_000, maxRetries: 0 };

describe('an unreachable source says how to run offline', () => {
  it.each([
    ['no such host', async () => 'http://api.coingecko.invalid/api/v3', 'ENOTFOUND'],
    ['connection refused', async () => `http://127.0.0.1:${await closedPort()}/api/v3`, 'ECONNREFUSED'],
  ])('CoinGecko, %s', async (_title, baseUrl, code) => {
    const client = createCoinGeckoClient({ plan: 'public', baseUrl: await baseUrl(), apiKey: undefined, ...settings }, { clock: systemClock });
    const error = await failureOf(client.getGlobal());
    expect(error.failure.kind).toBe('unreachable');
    expect(error.message).toContain(code);
    expect(error.message).toContain(COINGECKO_HINT);
  });

  it('CoinPaprika, no such host', async () => {
    const client = createCoinPaprikaClient({ baseUrl: 'http://api.coinpaprika.invalid/v1', apiKey: undefined, ...settings }, { clock: systemClock });
    const error = await failureOf(client.getTickers());
    expect(error.message).toContain('ENOTFOUND');
    expect(error.message).toContain(COINPAPRIKA_HINT);
  });

  it('a host that was reached but reset the connection: no offline hint (it is there, just failing)', async () => {
    const fake = await startFakeCoinGecko();
    try {
      fake.script({ resetConnection: true });
      const client = createCoinGeckoClient({ plan: 'public', baseUrl: fake.url, apiKey: undefined, ...settings }, { clock: systemClock });
      const error = await failureOf(client.getGlobal());
      expect(error.failure.kind).toBe('network');
      expect(error.message).not.toContain('to run offline');
    } finally {
      await fake.close();
    }
  });
});

describe('an unreachable CoinGecko on a first run', () => {
  let database: TestDatabase;
  let pipeline: Pipeline;

  beforeAll(async () => {
    database = await createTestDatabase('unreachable-source', { backend: 'pglite' });
    pipeline = await startPipeline(database, { env: { COINGECKO_BASE_URL: 'http://api.coingecko.invalid/api/v3' } });
  });

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  it("the run's step error says how to run offline, as stored", async () => {
    const { run, result } = await pipeline.materialize(PARTITION, 'bronze/coingecko_markets');
    expect(result.status).toBe('FAILURE');
    expect(result.steps[0]?.error).toContain(COINGECKO_HINT);
    const [stored] = await querySql<{ error: string }>(database, 'SELECT error FROM strata.steps WHERE run_id = $1', [run.id]);
    expect(stored?.error).toContain('ENOTFOUND');
    expect(stored?.error).toContain(COINGECKO_HINT);
  });
});

describe('strata materialize with no route to CoinGecko (a real process)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'strata-offline-'));
    await cp(inject('pgliteTemplate'), join(dataDir, 'pglite'), { recursive: true });
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('exit 1, and the summary says how to run offline', { timeout: 180_000 }, async () => {
    const result = await runStrata(['materialize', 'bronze/coingecko_markets'], {
      STRATA_DATA_DIR: dataDir,
      COINGECKO_BASE_URL: 'http://api.coingecko.invalid/api/v3',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAILURE');
    expect(result.stdout).toContain(COINGECKO_HINT);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
