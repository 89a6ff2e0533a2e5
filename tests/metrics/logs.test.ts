/**
 * Logs of a pipeline run and HTTP requests, captured as JSON lines: run lines carry runId,
 * asset and partition; HTTP lines carry requestId; a configured CoinGecko key and the
 * DATABASE_URL password appear nowhere, even when a config or an environment is logged whole.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { materialize } from '../../src/daemon/execute-run.js';
import { createLogger } from '../../src/logger.js';
import { startFakeCoinGecko, type RunningFakeCoinGecko } from '../../src/pipeline/fake-coingecko/index.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { buildApp } from '../../src/server/app.js';
import { FetchTimeClock } from '../helpers/fetch-time-clock.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { PARTITION } from '../pipeline/pipeline-harness.js';

const API_KEY = 'CG-sekret-key-4f9a2b';
const DB_PASSWORD = 'pg-pass-Zq81x';
const BEARER = 'tok-abcdef-0123';
const SECRETS = [API_KEY, DB_PASSWORD, BEARER];

type Line = Record<string, unknown>;

describeEachBackend('logs of a run and of HTTP requests', (backend) => {
  let database: TestDatabase;
  let fake: RunningFakeCoinGecko;
  let dataDir: string;
  let runtime: Runtime;
  let app: FastifyInstance;
  const text: string[] = [];
  const lines = (): Line[] => text.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Line);

  beforeAll(async () => {
    database = await createTestDatabase('logs', { backend });
    fake = await startFakeCoinGecko({ requireKey: { header: 'x-cg-demo-api-key', key: API_KEY } });
    dataDir = await mkdtemp(join(tmpdir(), 'strata-logs-'));
    const env = {
      STRATA_DATA_DIR: dataDir,
      COINGECKO_BASE_URL: fake.url,
      COINGECKO_PLAN: 'demo',
      COINGECKO_API_KEY: API_KEY,
      COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
      COINGECKO_MAX_RETRIES: '0',
      // Never connected to (the test's database is injected): only its password matters here.
      DATABASE_URL: `postgres://strata:${DB_PASSWORD}@db.invalid:5432/strata`,
    };
    const config = loadConfig(env);
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createLogger({ level: 'debug', pretty: false, destination });
    const clock = new FetchTimeClock();
    runtime = await openRuntime(config, logger, { database, clock });
    app = await buildApp({ runtime });

    clock.at(PARTITION);
    const { result } = await materialize(runtime, { selection: '*', partitionKey: PARTITION });
    expect(result.status).toBe('SUCCESS');
    await app.inject({ method: 'GET', url: '/api/v1/runs', headers: { authorization: `Bearer ${BEARER}`, 'x-request-id': 'req-logs-1' } });
    await app.inject({ method: 'GET', url: '/api/v1/runs/not-a-run', headers: { cookie: `session=${BEARER}` } });
    await app.inject({ method: 'GET', url: '/metrics' });
    // What a careless log call would do.
    logger.info({ config }, 'configuration');
    logger.info({ env }, 'environment');
    logger.info({ coingecko: config.coingecko }, 'coingecko settings');
  });

  afterAll(async () => {
    await app?.close();
    await fake?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    await database?.destroy();
  });

  it('never writes the API key, the database password or a bearer token', () => {
    const all = text.join('');
    expect(all.length).toBeGreaterThan(0);
    for (const secret of SECRETS) expect(all).not.toContain(secret);
    expect(all).toContain('[redacted]');
    // The requests did carry the key: redaction, not absence, kept it out.
    expect(fake.requests.every((request) => request.headers['x-cg-demo-api-key'] === API_KEY)).toBe(true);
  });

  it('puts runId, asset and partition on the run lines that have them', () => {
    const materialized = lines().filter((line) => line['msg'] === 'asset materialized');
    // Seven six-hourly assets, and silver/imported_quotes, which is unpartitioned (its line has partition null).
    expect(materialized).toHaveLength(8);
    for (const line of materialized) {
      const partition = line['asset'] === 'silver/imported_quotes' ? null : PARTITION;
      expect(line).toMatchObject({ runId: expect.any(String), asset: expect.stringMatching(/^(bronze|silver|gold)\//), partition });
    }
  });

  it('puts a requestId on every HTTP line, the caller\'s when given', () => {
    const http = lines().filter((line) => line['component'] === 'http');
    expect(http.length).toBeGreaterThanOrEqual(4);
    for (const line of http) expect(line['requestId']).toEqual(expect.any(String));
    expect(http.filter((line) => line['requestId'] === 'req-logs-1')).toHaveLength(2);
    // /metrics logs only at warn and above: a scrape every 15 s is not an access log.
    expect(http.some((line) => String((line['req'] as { url?: string } | undefined)?.url ?? '').startsWith('/metrics'))).toBe(false);
  });
});
