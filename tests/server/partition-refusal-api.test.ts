/**
 * The API refuses partitions the source cannot serve with 400 and a stable code, before any run
 * or backfill is stored: POST /runs, POST /backfills, POST /runs/:id/reexecute. Time is a
 * ManualClock, so "now" and "the current partition" are fixed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ManualClock } from '../../src/core/clock.js';
import { materialize } from '../../src/daemon/execute-run.js';
import { createLogger } from '../../src/logger.js';
import { startFakeCoinGecko, type RunningFakeCoinGecko } from '../../src/pipeline/fake-coingecko/index.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { buildApp } from '../../src/server/app.js';
import { HTTP_STATUS_BY_CODE } from '../../src/server/error-codes.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const HOUR_MS = 3_600_000;
/** The current six-hourly partition is 2025-02-09T12:00Z, the current day 2025-02-09. */
const NOW = new Date('2025-02-09T13:30:00Z');

interface ErrorBody {
  error: string;
  message: string;
}

describe('API refusal of partitions the source cannot serve', () => {
  let database: TestDatabase;
  let fake: RunningFakeCoinGecko;
  let dataDir: string;
  let clock: ManualClock;
  let runtime: Runtime;
  let app: FastifyInstance;

  beforeAll(async () => {
    database = await createTestDatabase('partition_refusal_api');
    fake = await startFakeCoinGecko();
    dataDir = await mkdtemp(join(tmpdir(), 'strata-partition-refusal-api-'));
    clock = new ManualClock(NOW);
    const config = loadConfig({ STRATA_DATA_DIR: dataDir, COINGECKO_BASE_URL: fake.url, COINGECKO_RATE_LIMIT_PER_MINUTE: '100000', COINGECKO_MAX_RETRIES: '0' });
    runtime = await openRuntime(config, createLogger({ level: 'silent', pretty: false }), { database, clock });
    app = await buildApp({ runtime, security: { mutationsPerMinute: 100_000 } });
  });

  afterAll(async () => {
    await app?.close();
    await fake?.close();
    await database?.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  const post = async (url: string, payload?: InjectOptions['payload']) => {
    const response = await app.inject({ method: 'POST', url, ...(payload === undefined ? {} : { payload }) });
    return { status: response.statusCode, body: response.json<ErrorBody & Record<string, unknown>>() };
  };
  const runCount = async () => (await app.inject({ method: 'GET', url: '/api/v1/runs?limit=100' })).json<{ runs: unknown[] }>().runs.length;

  it('registers both codes as 400', () => {
    expect([HTTP_STATUS_BY_CODE['PARTITION_NOT_CURRENT'], HTTP_STATUS_BY_CODE['PARTITION_NOT_STARTED']]).toEqual([400, 400]);
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    [
      'a past partition of a present-only source',
      { selection: 'bronze/coingecko_markets', partition: '2025-02-09T06:00Z' },
      'PARTITION_NOT_CURRENT',
      /^bronze\/coingecko_markets serves only the current partition .* The current six_hourly partition is 2025-02-09T12:00Z\. .*strata materialize 'bronze\/coingecko_markets\+' --from 2025-02-09T06:00Z --to 2025-02-09T06:00Z \(API: POST \/api\/v1\/backfills\)/,
    ],
    ['several partitions, one of them past: none is queued', { selection: '*', partitions: ['2025-02-09T12:00Z', '2025-02-09T06:00Z'] }, 'PARTITION_NOT_CURRENT', /^bronze\/coingecko_\w+ serves only/],
    ['a six-hourly partition that has not started', { selection: 'silver/*', partition: '2025-02-09T18:00Z' }, 'PARTITION_NOT_STARTED', /^partition 2025-02-09T18:00Z has not started yet \(it starts at 2025-02-09T18:00:00.000Z, it is now 2025-02-09T13:30:00.000Z\)/],
    ['a day that has not started', { selection: 'gold/market_daily', partition: '2025-02-10' }, 'PARTITION_NOT_STARTED', /^partition 2025-02-10 has not started yet .*The current daily partition is 2025-02-09;/],
  ])('POST /runs, %s: 400 with the code, and no run', async (_name, payload, code, message) => {
    const { status, body } = await post('/api/v1/runs', payload);
    expect({ status, error: body.error }).toEqual({ status: 400, error: code });
    expect(body.message).toMatch(message);
    expect(await runCount()).toBe(0);
  });

  it('POST /runs for silver and gold of a past partition is accepted: they read stored bronze', async () => {
    const { status, body } = await post('/api/v1/runs', { selection: 'silver/*', partition: '2025-02-09T06:00Z' });
    expect(status).toBe(201);
    expect(body['run']).toMatchObject({ partitionKey: '2025-02-09T06:00Z', status: 'QUEUED' });
  });

  it('POST /backfills reaching into the future: 400 PARTITION_NOT_STARTED, and no backfill', async () => {
    const { status, body } = await post('/api/v1/backfills', { selection: 'silver/*', from: '2025-02-08T00:00Z', to: '2025-02-10T00:00Z' });
    expect({ status, error: body.error }).toEqual({ status: 400, error: 'PARTITION_NOT_STARTED' });
    expect(body.message).toBe(
      "to '2025-02-10T00:00Z' reaches into the future: partition 2025-02-09T18:00Z has not started yet (it starts at 2025-02-09T18:00:00.000Z, it is now 2025-02-09T13:30:00.000Z) and no source has data for it. End the range at 2025-02-09T12:00Z at the latest.",
    );
    expect((await app.inject({ method: 'GET', url: '/api/v1/backfills' })).json<{ backfills: unknown[] }>().backfills).toEqual([]);
  });

  it('POST /runs/:id/reexecute once the window has moved on: refused when it would fetch the source again, accepted when every fetch is skipped', async () => {
    const { run, result } = await materialize(runtime, { selection: 'bronze/coingecko_markets' });
    expect([run.partitionKey, result.status]).toEqual(['2025-02-09T12:00Z', 'SUCCESS']);
    const before = await runCount();
    clock.set(new Date(NOW.getTime() + 6 * HOUR_MS));

    const all = await post(`/api/v1/runs/${run.id}/reexecute`, { fromFailure: false });
    expect({ status: all.status, error: all.body.error }).toEqual({ status: 400, error: 'PARTITION_NOT_CURRENT' });
    expect(all.body.message).toContain('The current six_hourly partition is 2025-02-09T18:00Z');
    expect(await runCount()).toBe(before);

    // From failure, the stored bronze step is skipped: nothing is fetched.
    expect((await post(`/api/v1/runs/${run.id}/reexecute`, { fromFailure: true })).status).toBe(201);
  });
});
