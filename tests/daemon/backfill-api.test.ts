/** The backfill API through `app.inject()`: create, list, show with progress, cancel, re-execute-failed, and 400/404/409s. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { executeStoredRun } from '../../src/daemon/execute-run.js';
import { buildApp } from '../../src/server/app.js';
import { getRun } from '../../src/storage/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';

const STORED = '2025-02-09T12:00Z';
const MISSING = '2025-02-09T18:00Z';

interface BackfillBody {
  backfill: { id: string; status: string; skipped: { partition: string; reason: string }[]; partitions: Record<string, number> };
  runIds: string[];
}

describeEachBackend('backfill API', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let app: FastifyInstance;

  beforeAll(async () => {
    database = await createTestDatabase('backfill-api', { backend });
    pipeline = await startPipeline(database);
    expect((await pipeline.materialize(STORED, 'bronze/*')).result.status).toBe('SUCCESS');
    // Backfills are requested once their last partition has started (one reaching into the future is refused).
    pipeline.clock.at(MISSING);
    app = await buildApp({ runtime: pipeline.runtime });
  });

  afterAll(async () => {
    await app?.close();
    await pipeline?.stop();
    await database?.destroy();
  });

  const post = (url: string, payload?: object) => app.inject({ method: 'POST', url, ...(payload ? { payload } : {}) });

  it('POST /api/v1/backfills queues runs, GET shows it with progress, re-execute-failed finds nothing, and a finished one cannot be canceled', async () => {
    const created = await post('/api/v1/backfills', { selection: 'silver/*,gold/*', from: STORED, to: MISSING });
    expect(created.statusCode).toBe(201);
    const body = created.json<BackfillBody>();
    expect(body.runIds).toHaveLength(1);
    expect(body.backfill.status).toBe('REQUESTED');
    expect(body.backfill.skipped).toEqual([
      { partition: MISSING, reason: expect.stringMatching(/not materialized and not in the selection/) as unknown as string },
    ]);

    const list = await app.inject({ method: 'GET', url: '/api/v1/backfills' });
    expect(list.statusCode).toBe(200);
    expect(list.json<{ backfills: { id: string }[] }>().backfills.map((b) => b.id)).toContain(body.backfill.id);

    const run = await getRun(database.db, body.runIds[0] ?? '');
    if (run === undefined) throw new Error('run not stored');
    expect(run.selection).toBe('silver/global_snapshots,silver/imported_quotes,silver/market_snapshots,gold/crypto_analytics_mart,gold/market_segment_analysis,gold/source_reconciliation');
    expect((await executeStoredRun(pipeline.runtime, run)).status).toBe('SUCCESS');

    const shown = await app.inject({ method: 'GET', url: `/api/v1/backfills/${body.backfill.id}` });
    expect(shown.statusCode).toBe(200);
    expect(shown.json<{ backfill: BackfillBody['backfill'] }>().backfill).toMatchObject({
      status: 'COMPLETED',
      partitions: { total: 2, skipped: 1, succeeded: 1, pending: 0, failed: 0, canceled: 0 },
      percentDone: 100,
      percentSucceeded: 50,
    });

    const again = await post(`/api/v1/backfills/${body.backfill.id}/reexecute-failed`);
    expect(again.statusCode).toBe(200);
    expect(again.json<{ runIds: string[] }>().runIds).toEqual([]);

    const cancel = await post(`/api/v1/backfills/${body.backfill.id}/cancel`);
    expect(cancel.statusCode).toBe(409);
    expect(cancel.json()).toMatchObject({ error: 'BACKFILL_STATE_INVALID', message: expect.stringMatching(/is COMPLETED/) as unknown as string });
  });

  it('POST /api/v1/backfills/:id/cancel cancels the queued runs', async () => {
    const created = (await post('/api/v1/backfills', { selection: 'gold/market_segment_analysis', from: STORED, to: STORED })).json<BackfillBody>();
    const cancel = await post(`/api/v1/backfills/${created.backfill.id}/cancel`);
    expect(cancel.statusCode).toBe(200);
    expect(cancel.json()).toMatchObject({ canceledRuns: created.runIds, cancelRequestedRuns: [], backfill: { status: 'CANCELED' } });
    expect((await getRun(database.db, created.runIds[0] ?? ''))?.status).toBe('CANCELED');
    const reexecute = await post(`/api/v1/backfills/${created.backfill.id}/reexecute-failed`);
    expect(reexecute.statusCode).toBe(409);
  });

  it('answers 400 naming the bad field, and 404 for an unknown backfill', async () => {
    const cases: [object, string, RegExp][] = [
      [{ selection: '*', from: STORED }, 'VALIDATION_FAILED', /body\.to/],
      [{ selection: 'gold/nope', from: STORED, to: STORED }, 'SELECTION_INVALID', /selection term 'gold\/nope' matches no asset/],
      [{ selection: '*', from: MISSING, to: STORED }, 'PARTITION_KEY_INVALID', /from\/to: partition range .* is reversed/],
      [{ selection: '*', from: '2025-02-09T12:00', to: STORED }, 'PARTITION_KEY_INVALID', /^from '2025-02-09T12:00' is not a partition key/],
      [{ selection: '*', from: STORED, to: '2025-02-31T00:00Z' }, 'PARTITION_KEY_INVALID', /^to '2025-02-31T00:00Z'/],
      [{ selection: '*', from: STORED, to: STORED, chunk: 0 }, 'VALIDATION_FAILED', /body\.chunk/],
    ];
    for (const [payload, code, message] of cases) {
      const response = await post('/api/v1/backfills', payload);
      expect([JSON.stringify(payload), response.statusCode]).toEqual([JSON.stringify(payload), 400]);
      const body = response.json<{ error: string; message: string }>();
      expect(body.error).toBe(code);
      expect(body.message).toMatch(message);
    }
    const missing = await app.inject({ method: 'GET', url: '/api/v1/backfills/00000000-0000-4000-8000-000000000000' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: 'BACKFILL_NOT_FOUND' });
    const bad = await post('/api/v1/backfills/nope/cancel');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'VALIDATION_FAILED', message: expect.stringMatching(/params\.id: expected a backfill id/) as unknown as string });
  });
});
