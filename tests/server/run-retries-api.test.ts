/**
 * The run-retry policy through the API (`app.inject()`): POST /runs and POST /backfills take
 * `maxRetries` (0 to 10; default STRATA_RUN_MAX_RETRIES) and a bad one is a 400 naming it;
 * GET /schedules/:name shows each schedule's policy and where it comes from.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { openRuntime } from '../../src/runtime.js';
import { buildApp } from '../../src/server/app.js';
import { getRun } from '../../src/storage/index.js';
import { testGraph } from '../daemon/schedule-harness.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const PARTITION = '2026-11-23T00:00Z';

describeEachBackend('run-retry policy in the API', (backend) => {
  let database: TestDatabase;
  let dataDir: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    database = await createTestDatabase('run_retries_api', { backend });
    dataDir = await mkdtemp(join(tmpdir(), 'strata-retries-api-'));
    const config = loadConfig({ STRATA_DATA_DIR: dataDir, STRATA_SCHEDULE_DAILY_MAX_RETRIES: '0' });
    const runtime = await openRuntime(config, createLogger({ level: 'silent', pretty: false }), { database });
    app = await buildApp({ runtime: { ...runtime, graph: testGraph() } });
  });
  afterAll(async () => {
    await app?.close();
    await database?.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  const post = (url: string, payload: unknown) =>
    app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

  it('POST /api/v1/runs stores maxRetries, default STRATA_RUN_MAX_RETRIES (2); a bad one is a 400 naming body.maxRetries', async () => {
    const given = await post('/api/v1/runs', { selection: 'bronze/raw', partition: PARTITION, maxRetries: 5 });
    expect(given.statusCode).toBe(201);
    expect(given.json<{ run: { maxRetries: number } }>().run.maxRetries).toBe(5);
    const none = await post('/api/v1/runs', { selection: 'bronze/raw', partition: PARTITION, maxRetries: 0 });
    expect(none.json<{ run: { maxRetries: number } }>().run.maxRetries).toBe(0);
    const byDefault = await post('/api/v1/runs', { selection: 'bronze/raw', partitions: [PARTITION, '2026-11-23T06:00Z'] });
    expect(byDefault.json<{ runs: { maxRetries: number }[] }>().runs.map((run) => run.maxRetries)).toEqual([2, 2]);

    for (const maxRetries of [-1, 11, 1.5, '2', null]) {
      const refused = await post('/api/v1/runs', { selection: 'bronze/raw', partition: PARTITION, maxRetries });
      expect({ maxRetries, status: refused.statusCode }).toEqual({ maxRetries, status: 400 });
      expect(refused.json<{ error: string; message: string }>()).toMatchObject({ error: 'VALIDATION_FAILED', message: expect.stringMatching(/^body\.maxRetries: /) });
    }
  });

  it('POST /api/v1/backfills gives every run of the backfill its maxRetries; a bad one is a 400 naming body.maxRetries', async () => {
    const created = await post('/api/v1/backfills', { selection: 'bronze/raw', from: '2026-11-20T00:00Z', to: '2026-11-20T18:00Z', maxRetries: 1 });
    expect(created.statusCode).toBe(201);
    const runIds = created.json<{ runIds: string[] }>().runIds;
    expect(runIds).toHaveLength(4);
    for (const id of runIds) expect((await getRun(database.db, id))?.maxRetries).toBe(1);

    const byDefault = await post('/api/v1/backfills', { selection: 'bronze/raw', from: '2026-11-21T00:00Z', to: '2026-11-21T00:00Z' });
    expect((await getRun(database.db, byDefault.json<{ runIds: string[] }>().runIds[0] ?? ''))?.maxRetries).toBe(2);

    const refused = await post('/api/v1/backfills', { selection: 'bronze/raw', from: '2026-11-22T00:00Z', to: '2026-11-22T00:00Z', maxRetries: 99 });
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ message: string }>().message).toMatch(/^body\.maxRetries: /);
  });

  it("GET /api/v1/schedules/:name shows the schedule's run retries and where they come from", async () => {
    const daily = await app.inject({ method: 'GET', url: '/api/v1/schedules/daily' });
    expect(daily.statusCode).toBe(200);
    expect(daily.json()).toMatchObject({ runRetries: { maxRetries: 0, source: 'override' }, overridden: { maxRetries: 0 } });
    const sixHourly = await app.inject({ method: 'GET', url: '/api/v1/schedules/every_6_hours' });
    expect(sixHourly.json()).toMatchObject({ runRetries: { maxRetries: 2, source: 'default' }, overridden: null });
  });
});
