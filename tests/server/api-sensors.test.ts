/**
 * The sensor API and pages through `app.inject()`: the list and a sensor with its evaluations
 * (paged, newest first), start/stop recorded with who, the admin guard, the UI's switch form
 * with its CSRF token, and 404s naming the known sensors.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { defineAsset } from '../../src/core/asset.js';
import { ManualClock } from '../../src/core/manual-clock.js';
import { defineRunStatusSensor } from '../../src/core/run-status-sensor.js';
import { defineSensor } from '../../src/core/sensor.js';
import { createSensorDaemon } from '../../src/daemon/sensors/sensor-daemon.js';
import { defineDefinitions } from '../../src/definitions/definitions.js';
import { createLogger } from '../../src/logger.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { buildApp } from '../../src/server/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { FORM_HEADERS, form, formSession } from '../ui/ui-harness.js';

const START = new Date('2026-11-23T06:00:00.000Z');
const TOKEN = 'a-sensor-test-admin-token';

describe('sensor API and pages', () => {
  let database: TestDatabase;
  let dataDir: string;
  let runtime: Runtime;
  let app: FastifyInstance;
  let guarded: FastifyInstance;
  const clock = new ManualClock(START);

  beforeAll(async () => {
    database = await createTestDatabase('api_sensors');
    dataDir = await mkdtemp(join(tmpdir(), 'strata-api-sensors-'));
    const raw = defineAsset({ key: 'bronze/raw', layer: 'bronze', description: 'raw', materialize: async () => ({ value: 1 }) });
    let call = 0;
    const files = defineSensor({
      name: 'inbox_files',
      description: 'new files in the inbox',
      minimumIntervalSeconds: 30,
      evaluate(ctx) {
        call += 1;
        ctx.log.info(`look #${call}`);
        if (call === 2) throw new Error('inbox <unreadable>');
        if (call === 3) return { runRequests: [{ selection: 'bronze/raw', runKey: 'file-a' }], cursor: 'a' };
        return { skipReason: `no new files (look #${call})` };
      },
    });
    // Always the same skip: its evaluations fold into one row.
    const quiet = defineSensor({ name: 'quiet_inbox', minimumIntervalSeconds: 30, evaluate: () => ({ skipReason: 'inbox empty' }) });
    const pager = defineRunStatusSensor({ name: 'pager', on: ['failure'], defaultStatus: 'stopped', handle: () => undefined });
    runtime = await openRuntime(loadConfig({ STRATA_DATA_DIR: dataDir }), createLogger({ level: 'silent', pretty: false }), {
      database,
      clock,
      definitions: defineDefinitions({ assets: [raw], sensors: [files, quiet, pager] }),
    });
    const daemon = createSensorDaemon(runtime, { sensors: [files, quiet], daemonId: 'daemon-test', onLoopResult: async () => {} });
    for (let i = 0; i < 4; i++) {
      await daemon.evaluateDue();
      clock.advance(30_000);
    }
    app = await buildApp({ runtime, security: { mutationsPerMinute: 100_000 } });
    guarded = await buildApp({ runtime, security: { adminToken: TOKEN, mutationsPerMinute: 100_000 } });
  });
  afterAll(async () => {
    await app?.close();
    await guarded?.close();
    await database?.destroy();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it('GET /sensors: kind, status, interval, latest evaluation, next due', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/sensors' });
    expect(response.statusCode).toBe(200);
    const { sensors } = response.json<{ sensors: Array<Record<string, unknown>> }>();
    expect(sensors).toEqual([
      expect.objectContaining({
        name: 'inbox_files',
        kind: 'sensor',
        status: 'running',
        statusSource: 'default',
        minimumIntervalSeconds: 30,
        cursor: 'a',
        lastEvaluatedAt: '2026-11-23T06:01:30.000Z',
        nextDueAt: '2026-11-23T06:02:00.000Z',
        latestEvaluation: expect.objectContaining({ outcome: 'skipped', skipReason: 'no new files (look #4)' }),
      }),
      expect.objectContaining({ name: 'quiet_inbox', latestEvaluation: expect.objectContaining({ skipReason: 'inbox empty', count: 4 }) }),
      expect.objectContaining({ name: 'pager', kind: 'run-status-sensor', status: 'stopped', on: ['failure'], nextDueAt: null, latestEvaluation: null }),
    ]);
  });

  it('GET /sensors/:name: evaluations newest first, paged, with requested runs, errors and logs', async () => {
    const first = (await app.inject({ method: 'GET', url: '/api/v1/sensors/inbox_files?limit=2' })).json<{
      evaluations: Array<{ outcome: string; error: string | null; runRequests: unknown[]; logs: Array<{ message: string }> }>;
      nextBefore: number;
      evaluationCounts: Record<string, number>;
    }>();
    expect(first.evaluationCounts).toEqual({ requested: 1, skipped: 2, failed: 1 });
    expect(first.evaluations.map((evaluation) => evaluation.outcome)).toEqual(['skipped', 'requested']);
    expect(first.evaluations[1]?.runRequests).toEqual([expect.objectContaining({ runKey: 'file-a', existed: false })]);
    const older = (await app.inject({ method: 'GET', url: `/api/v1/sensors/inbox_files?limit=2&before=${first.nextBefore}` })).json<typeof first>();
    expect(older.evaluations.map((evaluation) => evaluation.outcome)).toEqual(['failed', 'skipped']);
    expect(older.evaluations[0]?.error).toMatch(/^inbox <unreadable>\n\s*at /);
    expect(older.evaluations[0]?.logs.map((line) => line.message)).toEqual(['look #2']);
    expect(older.nextBefore).toBeNull();
  });

  it('POST /sensors/:name/stop and /start switch it and record who; viewers get 401; unknown names 404', async () => {
    const stopped = await app.inject({ method: 'POST', url: '/api/v1/sensors/inbox_files/stop' });
    expect(stopped.statusCode).toBe(200);
    expect(stopped.json()).toMatchObject({ sensor: { name: 'inbox_files', status: 'stopped', statusSource: 'operator', statusChangedBy: 'api (loopback)', nextDueAt: null } });
    const refused = await guarded.inject({ method: 'POST', url: '/api/v1/sensors/inbox_files/start' });
    expect(refused.statusCode).toBe(401);
    const started = await guarded.inject({ method: 'POST', url: '/api/v1/sensors/inbox_files/start', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(started.json()).toMatchObject({ sensor: { status: 'running', statusChangedBy: 'api (token)' } });
    const missing = await app.inject({ method: 'GET', url: '/api/v1/sensors/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'SENSOR_NOT_FOUND', message: "no sensor 'nope'; sensors: inbox_files, quiet_inbox, pager" });
    expect((await app.inject({ method: 'POST', url: '/api/v1/sensors/nope/stop' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/api/v1/sensors/inbox_files?limit=0' })).statusCode).toBe(400);
  });

  it('a skip repeating the previous one is one entry with its count and when it last happened', async () => {
    const detail = (await app.inject({ method: 'GET', url: '/api/v1/sensors/quiet_inbox' })).json<{
      evaluations: Array<{ skipReason: string; count: number; startedAt: string; lastAt: string }>;
      evaluationCounts: Record<string, number>;
    }>();
    expect(detail.evaluationCounts).toEqual({ requested: 0, skipped: 4, failed: 0 });
    expect(detail.evaluations).toEqual([expect.objectContaining({ skipReason: 'inbox empty', count: 4, startedAt: '2026-11-23T06:00:00.000Z', lastAt: '2026-11-23T06:01:30.000Z' })]);
    const page = await app.inject({ method: 'GET', url: '/sensors/quiet_inbox' });
    expect(page.body).toMatch(/data-testid="evaluation-repeats">— ×4 until <span class="mono">[^<]*06:01:30/);
  });

  it('the Sensors page shows switches; the sensor page its evaluation history; the form switches it', async () => {
    const list = await app.inject({ method: 'GET', url: '/sensors' });
    expect(list.body).toContain('data-testid="nav-sensors"');
    expect(list.body).toMatch(/data-sensor="pager" data-status="stopped"/);
    const page = await app.inject({ method: 'GET', url: '/sensors/inbox_files' });
    expect(page.body).toContain('no new files (look #4)');
    expect(page.body).toContain('inbox &lt;unreadable&gt;');
    expect(page.body).toMatch(/data-testid="requested-run"><a href="\/runs\/[0-9a-f-]{36}"/);
    const session = await formSession(app, '/sensors');
    const toggled = await app.inject({
      method: 'POST',
      url: '/sensors/pager/toggle',
      headers: { ...FORM_HEADERS, cookie: session.cookie },
      payload: form({ _csrf: session.token, status: 'running' }),
    });
    expect(toggled.statusCode).toBe(303);
    expect(toggled.headers.location).toMatch(/^\/sensors\?notice=Sensor\+pager\+is\+on/);
    const after = (await app.inject({ method: 'GET', url: '/api/v1/sensors/pager' })).json<Record<string, unknown>>();
    expect(after).toMatchObject({ status: 'running', statusChangedBy: 'ui (loopback)' });
    const noCsrf = await app.inject({ method: 'POST', url: '/sensors/pager/toggle', headers: FORM_HEADERS, payload: form({ status: 'stopped' }) });
    expect(noCsrf.statusCode).toBe(403);
  });
});
