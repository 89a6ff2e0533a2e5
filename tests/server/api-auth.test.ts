/**
 * Who may mutate through /api/v1: with STRATA_ADMIN_TOKEN, every mutation needs
 * `Authorization: Bearer <token>` (401 without it or with a wrong one); without a token, only
 * loopback clients may mutate (403 from anywhere else). Reads are open in both cases.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueRun } from '../../src/daemon/execute-run.js';
import { buildApp } from '../../src/server/app.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { PARTITION, startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';

const TOKEN = 'a'.repeat(32);
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

/** Every mutating route, with a body it accepts. `:run` and `:backfill` are replaced per test. */
const MUTATIONS: [url: string, payload: object | undefined][] = [
  // Silver, not bronze: bronze/coingecko_global serves only the current partition (PARTITION is in 2025).
  ['/api/v1/runs', { selection: 'silver/global_snapshots', partition: PARTITION }],
  ['/api/v1/runs/:run/cancel', undefined],
  ['/api/v1/runs/:run/reexecute', { fromFailure: false }],
  ['/api/v1/schedules/daily/disable', undefined],
  ['/api/v1/schedules/daily/enable', undefined],
  ['/api/v1/backfills', { selection: 'gold/market_segment_analysis', from: PARTITION, to: PARTITION }],
  ['/api/v1/backfills/:backfill/cancel', undefined],
  ['/api/v1/backfills/:backfill/reexecute-failed', undefined],
];

describeEachBackend('API v1 authorization', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;

  beforeAll(async () => {
    database = await createTestDatabase('api_auth', { backend });
    pipeline = await startPipeline(database);
    // Stored silver, so a gold backfill of the partition gets a run to cancel.
    expect((await pipeline.materialize(PARTITION)).result.status).toBe('SUCCESS');
  });

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  describe('with an admin token', () => {
    let app: FastifyInstance;
    beforeAll(async () => {
      app = await buildApp({ runtime: pipeline.runtime, security: { adminToken: TOKEN, mutationsPerMinute: 10_000 } });
    });
    afterAll(async () => app?.close());

    const urlFor = (template: string) => template.replace(':run', UNKNOWN_ID).replace(':backfill', UNKNOWN_ID);

    it.each(MUTATIONS)('POST %s without a Bearer token, or with a wrong one, is 401 and changes nothing', async (template, payload) => {
      const runsBefore = (await pipeline.runtime.database.db.selectFrom('strata.runs').select('id').execute()).length;
      for (const headers of [{}, { authorization: `Bearer ${'b'.repeat(32)}` }, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }]) {
        const response = await app.inject({ method: 'POST', url: urlFor(template), headers, ...(payload ? { payload } : {}) });
        expect({ headers, status: response.statusCode }).toEqual({ headers, status: 401 });
        expect(response.json()).toMatchObject({ error: 'UNAUTHORIZED', message: expect.stringMatching(/Authorization: Bearer/) as unknown as string });
        expect(response.body).not.toContain(TOKEN);
      }
      expect((await pipeline.runtime.database.db.selectFrom('strata.runs').select('id').execute()).length).toBe(runsBefore);
    });

    it('with the right Bearer token every mutation is accepted, from any address', async () => {
      const authorization = `Bearer ${TOKEN}`;
      const run = await queueRun(pipeline.runtime, { selection: 'silver/global_snapshots', partitionKey: PARTITION });
      const backfill = await app.inject({
        method: 'POST',
        url: '/api/v1/backfills',
        headers: { authorization },
        remoteAddress: '203.0.113.9',
        payload: { selection: 'gold/market_segment_analysis', from: PARTITION, to: PARTITION },
      });
      expect(backfill.statusCode).toBe(201);
      const backfillId = backfill.json<{ backfill: { id: string } }>().backfill.id;
      const expected: Record<string, number> = {
        '/api/v1/runs': 201,
        '/api/v1/runs/:run/cancel': 200,
        '/api/v1/runs/:run/reexecute': 201,
        '/api/v1/schedules/daily/disable': 200,
        '/api/v1/schedules/daily/enable': 200,
        '/api/v1/backfills': 201,
        '/api/v1/backfills/:backfill/reexecute-failed': 200,
        '/api/v1/backfills/:backfill/cancel': 200,
      };
      for (const [template, status] of Object.entries(expected)) {
        const payload = MUTATIONS.find(([url]) => url === template)?.[1];
        const url = template.replace(':run', run.id).replace(':backfill', backfillId);
        const response = await app.inject({ method: 'POST', url, headers: { authorization }, remoteAddress: '203.0.113.9', ...(payload ? { payload } : {}) });
        expect({ url, status: response.statusCode }).toEqual({ url, status });
      }
    });

    it('reads need no token', async () => {
      for (const url of ['/api/v1/runs', '/api/v1/assets', '/api/v1/graph', '/api/v1/schedules', '/api/v1/backfills', '/api/v1/marts']) {
        const response = await app.inject({ method: 'GET', url, remoteAddress: '203.0.113.9' });
        expect({ url, status: response.statusCode }).toEqual({ url, status: 200 });
      }
    });
  });

  describe('without an admin token', () => {
    let app: FastifyInstance;
    beforeAll(async () => {
      app = await buildApp({ runtime: pipeline.runtime, security: { adminToken: undefined, mutationsPerMinute: 10_000 } });
    });
    afterAll(async () => app?.close());

    it.each(MUTATIONS)('POST %s from a non-loopback address is 403', async (template, payload) => {
      const url = template.replace(':run', UNKNOWN_ID).replace(':backfill', UNKNOWN_ID);
      const response = await app.inject({ method: 'POST', url, remoteAddress: '10.1.2.3', ...(payload ? { payload } : {}) });
      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({ error: 'MUTATION_FORBIDDEN', message: expect.stringMatching(/loopback/) as unknown as string });
    });

    it('accepts a mutation from loopback', async () => {
      const response = await app.inject({ method: 'POST', url: '/api/v1/schedules/daily/enable', remoteAddress: '127.0.0.1' });
      expect(response.statusCode).toBe(200);
    });
  });
});
