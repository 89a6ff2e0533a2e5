/** The UI's forms: CSRF, who may post, 303 to the result, errors as notices on a page. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { getRun } from '../../src/storage/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { PARTITION, startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';
import { FORM_HEADERS, form, formSession } from './ui-harness.js';

const ADMIN_TOKEN = 'ui-test-admin-token-0123456789';

describeEachBackend('HTML UI forms', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let app: FastifyInstance;
  let guarded: FastifyInstance;

  beforeAll(async () => {
    database = await createTestDatabase('ui-forms', { backend });
    pipeline = await startPipeline(database);
    // Bronze of PARTITION exists, so a backfill of silver over it has a run to queue.
    expect((await pipeline.materialize(PARTITION)).result.status).toBe('SUCCESS');
    app = await buildApp({ runtime: pipeline.runtime });
    guarded = await buildApp({ runtime: pipeline.runtime, security: { adminToken: ADMIN_TOKEN } });
  });

  afterAll(async () => {
    await app?.close();
    await guarded?.close();
    await pipeline?.stop();
    await database?.destroy();
  });

  const ASSET = '/assets/silver/market_snapshots';

  it('refuses a launch without the CSRF token with a 403 page', async () => {
    const response = await app.inject({ method: 'POST', url: `${ASSET}/launch`, headers: FORM_HEADERS, payload: form({ partition: PARTITION }) });
    expect(response.statusCode).toBe(403);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.body).toContain('data-testid="notice"');
    expect(response.body).toMatch(/reload the page/);
  });

  it('launches a run (303 to its page), then cancels it and re-executes it', async () => {
    const session = await formSession(app, ASSET);
    const launched = await app.inject({
      method: 'POST',
      url: `${ASSET}/launch`,
      headers: { ...FORM_HEADERS, cookie: session.cookie },
      payload: form({ _csrf: session.token, partition: PARTITION }),
    });
    expect(launched.statusCode).toBe(303);
    const location = String(launched.headers.location);
    const runId = /^\/runs\/([0-9a-f-]{36})\?notice=/.exec(location)?.[1] as string;
    expect(runId).toBeDefined();
    expect(await getRun(database.db, runId)).toMatchObject({ status: 'QUEUED', selection: 'silver/market_snapshots', partitionKey: PARTITION, trigger: 'manual' });

    const runPage = await app.inject({ method: 'GET', url: location });
    expect(runPage.body).toContain('data-testid="notice"');
    expect(runPage.body).toContain('data-testid="run-status" data-status="QUEUED"');
    expect(runPage.body).toContain('data-testid="cancel-button"');
    expect(runPage.body).toContain('/static/run-live.js');

    const canceled = await app.inject({
      method: 'POST',
      url: `/runs/${runId}/cancel`,
      headers: { ...FORM_HEADERS, cookie: session.cookie },
      payload: form({ _csrf: session.token }),
    });
    expect(canceled.statusCode).toBe(303);
    expect(canceled.headers.location).toMatch(new RegExp(`^/runs/${runId}\\?notice=Run\\+canceled`));
    expect((await getRun(database.db, runId))?.status).toBe('CANCELED');

    // A second cancel is refused by the lifecycle: back to the run page with the reason.
    const again = await app.inject({
      method: 'POST',
      url: `/runs/${runId}/cancel`,
      headers: { ...FORM_HEADERS, cookie: session.cookie },
      payload: form({ _csrf: session.token }),
    });
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toMatch(/tone=error/);
    const shown = await app.inject({ method: 'GET', url: String(again.headers.location) });
    expect(shown.body).toMatch(/<p class="notice notice-error" data-testid="notice"[^>]*>[^<]*CANCELED/);

    const rerun = await app.inject({
      method: 'POST',
      url: `/runs/${runId}/reexecute`,
      headers: { ...FORM_HEADERS, cookie: session.cookie },
      payload: form({ _csrf: session.token, fromFailure: 'false' }),
    });
    expect(rerun.statusCode).toBe(303);
    const rerunId = /^\/runs\/([0-9a-f-]{36})/.exec(String(rerun.headers.location))?.[1] as string;
    expect(rerunId).not.toBe(runId);
    expect(await getRun(database.db, rerunId)).toMatchObject({ parentRunId: runId, trigger: 'retry', status: 'QUEUED' });
  });

  it('shows a bad partition as a notice on the asset page', async () => {
    const session = await formSession(app, ASSET);
    const response = await app.inject({
      method: 'POST',
      url: `${ASSET}/launch`,
      headers: { ...FORM_HEADERS, cookie: session.cookie },
      payload: form({ _csrf: session.token, partition: 'yesterday' }),
    });
    expect(response.statusCode).toBe(303);
    const location = String(response.headers.location);
    expect(location.startsWith(`${ASSET}?`)).toBe(true);
    const page = await app.inject({ method: 'GET', url: location });
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/class="notice notice-error" data-testid="notice"[^>]*>[^<]*yesterday/);
  });

  it('launching an unknown asset is a 404 page', async () => {
    const session = await formSession(app, ASSET);
    const response = await app.inject({
      method: 'POST',
      url: '/assets/gold/nope/launch',
      headers: { ...FORM_HEADERS, cookie: session.cookie },
      payload: form({ _csrf: session.token }),
    });
    expect(response.statusCode).toBe(404);
    expect(response.body).toContain('gold/nope');
  });

  it('switches a schedule off and on', async () => {
    const session = await formSession(app, '/schedules');
    const off = await app.inject({
      method: 'POST',
      url: '/schedules/daily/toggle',
      headers: { ...FORM_HEADERS, cookie: session.cookie },
      payload: form({ _csrf: session.token, enabled: 'false' }),
    });
    expect(off.statusCode).toBe(303);
    expect(off.headers.location).toMatch(/^\/schedules\?notice=Schedule\+daily\+is\+off/);
    const list = await app.inject({ method: 'GET', url: '/schedules' });
    expect(list.body).toContain('data-schedule="daily" data-enabled="false"');
    const on = await app.inject({
      method: 'POST',
      url: '/schedules/daily/toggle',
      headers: { ...FORM_HEADERS, cookie: session.cookie },
      payload: form({ _csrf: session.token, enabled: 'true' }),
    });
    expect(on.statusCode).toBe(303);
    const unknown = await app.inject({
      method: 'POST',
      url: '/schedules/nope/toggle',
      headers: { ...FORM_HEADERS, cookie: session.cookie },
      payload: form({ _csrf: session.token, enabled: 'true' }),
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('starts a backfill, or says what was wrong with it', async () => {
    const session = await formSession(app, '/backfills');
    const bad = await app.inject({
      method: 'POST',
      url: '/backfills',
      headers: { ...FORM_HEADERS, cookie: session.cookie },
      payload: form({ _csrf: session.token, selection: 'gold/nope', from: '2025-02-09T00:00Z', to: '2025-02-09T18:00Z' }),
    });
    expect(bad.statusCode).toBe(303);
    expect(bad.headers.location).toMatch(/^\/backfills\?notice=.*gold%2Fnope.*tone=error/);
    const good = await app.inject({
      method: 'POST',
      url: '/backfills',
      headers: { ...FORM_HEADERS, cookie: session.cookie },
      payload: form({ _csrf: session.token, selection: 'silver/market_snapshots', from: PARTITION, to: PARTITION }),
    });
    expect(good.statusCode).toBe(303);
    const location = String(good.headers.location);
    expect(location).toMatch(/^\/backfills\/[0-9a-f-]{36}\?notice=/);
    const page = await app.inject({ method: 'GET', url: location });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-testid="backfill-grid"');
    expect(page.body).toContain('data-testid="backfill-cancel"');
    const list = await app.inject({ method: 'GET', url: '/backfills' });
    expect(list.body).toContain('data-testid="backfill-row"');
    expect(list.body).toContain('data-testid="backfill-progress"');
  });

  describe('with an admin token configured', () => {
    it('sends a form without a session to /login and shows viewers disabled buttons', async () => {
      const page = await guarded.inject({ method: 'GET', url: ASSET });
      expect(page.body).toMatch(/data-testid="launch-button" disabled/);
      expect(page.body).toContain('Log in to materialize');
      const session = await formSession(guarded, ASSET);
      const response = await guarded.inject({
        method: 'POST',
        url: `${ASSET}/launch`,
        headers: { ...FORM_HEADERS, cookie: session.cookie },
        payload: form({ _csrf: session.token, partition: PARTITION }),
      });
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toMatch(/^\/login/);
    });

    it('launches after logging in, and the nav says Log out', async () => {
      const login = await formSession(guarded, '/login');
      const loggedIn = await guarded.inject({
        method: 'POST',
        url: '/login',
        headers: { ...FORM_HEADERS, cookie: login.cookie },
        payload: form({ _csrf: login.token, token: ADMIN_TOKEN, next: ASSET }),
      });
      expect(loggedIn.statusCode).toBe(303);
      const sessionCookie = [loggedIn.headers['set-cookie'] ?? []].flat().map((value) => String(value).split(';')[0]).join('; ');
      const session = await formSession(guarded, ASSET, sessionCookie);
      const page = await guarded.inject({ method: 'GET', url: ASSET, headers: { cookie: session.cookie } });
      expect(page.body).toMatch(/data-testid="nav-login">Log out</);
      expect(page.body).not.toMatch(/data-testid="launch-button" disabled/);
      const launched = await guarded.inject({
        method: 'POST',
        url: `${ASSET}/launch`,
        headers: { ...FORM_HEADERS, cookie: session.cookie },
        payload: form({ _csrf: session.token, partition: PARTITION }),
      });
      expect(launched.statusCode).toBe(303);
      expect(launched.headers.location).toMatch(/^\/runs\/[0-9a-f-]{36}/);
      const loginPage = await guarded.inject({ method: 'GET', url: '/login', headers: { cookie: session.cookie } });
      expect(loginPage.body).toContain('data-testid="logout-button"');
    });
  });
});
