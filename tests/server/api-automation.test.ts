/**
 * "Why did / why didn't this run" over HTTP: `GET /api/v1/assets/:key/automation` (the
 * condition, each partition's current result and reason, the run requested, the history of
 * changes), `GET /api/v1/automation/evaluations`, and the asset page's Automation section.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { evaluateAutomation } from '../../src/daemon/automation/evaluate-automation.js';
import { buildApp } from '../../src/server/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { automationRuntime, chainAssets, run } from '../daemon/automation/automation-harness.js';

const P = '2026-03-02T06:00Z';

describe('automation API and asset page', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let requestedRun: string;
  let evaluationId: number;

  beforeAll(async () => {
    database = await createTestDatabase('api_automation');
    const clock = new ManualClock(new Date('2026-03-02T07:00:00Z'));
    const runtime = automationRuntime(database, clock, chainAssets());
    await evaluateAutomation(runtime);
    clock.set(new Date('2026-03-02T07:01:00Z'));
    await run(runtime, { selection: 'bronze/a', partitionKey: P });
    clock.set(new Date('2026-03-02T07:02:00Z'));
    const evaluation = await evaluateAutomation(runtime);
    requestedRun = evaluation.runIds[0] as string;
    evaluationId = evaluation.evaluationId as number;
    app = await buildApp({ runtime });
  });
  afterAll(async () => {
    await app?.close();
    await database?.destroy();
  });

  it('GET /api/v1/assets/:key/automation: the condition, each partition now and why, the run it requested, the changes', async () => {
    const response = await app.inject({ url: '/api/v1/assets/silver/b/automation' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.condition).toBe('eager()');
    expect(body.partitions).toEqual([
      expect.objectContaining({
        partitionKey: P,
        value: true,
        reason: 'upstream bronze/a updated at 2026-03-02 07:01:00Z; none in progress or failed',
        requestedRunId: requestedRun,
        requestedAt: '2026-03-02T07:02:00.000Z',
      }),
    ]);
    expect(body.history.map((entry: { value: boolean; runId: string | null }) => [entry.value, entry.runId])).toEqual([
      [true, requestedRun],
      [false, null],
    ]);
  });

  it('an asset without a condition says so; an unknown asset is a 404', async () => {
    expect((await app.inject({ url: '/api/v1/assets/bronze/a/automation' })).json()).toMatchObject({ condition: null, partitions: [] });
    expect((await app.inject({ url: '/api/v1/assets/gold/nope/automation' })).statusCode).toBe(404);
  });

  it('GET /api/v1/automation/evaluations: newest first, with the runs each requested', async () => {
    const body = (await app.inject({ url: '/api/v1/automation/evaluations' })).json();
    expect(body.evaluations[0]).toMatchObject({ id: evaluationId, runIds: [requestedRun], partitionsEvaluated: 2, changesRead: 3 });
    expect(body.evaluations.map((evaluation: { id: number }) => evaluation.id)).toEqual([...body.evaluations.map((e: { id: number }) => e.id)].sort((a, b) => b - a));
  });

  it("the asset page shows the condition, the partition's result and reason, and links the requested run", async () => {
    const page = await app.inject({ url: '/assets/gold/c' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-testid="asset-automation"');
    expect(page.body).toContain('<code data-testid="automation-condition">eager()</code>');
    expect(page.body).toContain('upstream silver/b is requested in this evaluation (same run, runs first)');
    expect(page.body).toContain(`href="/runs/${requestedRun}"`);
  });
});
