/**
 * Who may change things: the admin token (Bearer for the API, a login session + CSRF for the
 * UI), loopback-only mutations without a token, security headers, rate and body limits, and
 * that the token never appears in a response or a log line.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../src/config.js';
import { ManualClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/logger.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { buildApp } from '../../src/server/app.js';
import { SESSION_COOKIE } from '../../src/server/security.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const TOKEN = 'test-admin-token-0123456789abcdef';
const NO_SUCH_RUN = '00000000-0000-4000-8000-000000000000';

/** Cookies from Set-Cookie headers, as a Cookie header value. */
function cookieHeader(...responses: LightMyRequestResponse[]): string {
  const jar = new Map<string, string>();
  for (const response of responses) for (const cookie of response.cookies) jar.set(cookie.name, cookie.value);
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

/** The CSRF token of the first form on a page. */
function csrfTokenOf(page: LightMyRequestResponse): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page.body);
  if (!match?.[1]) throw new Error(`no CSRF field on the page:\n${page.body.slice(0, 500)}`);
  return match[1];
}

describe('security', () => {
  let database: TestDatabase;
  let dataDir: string;
  let runtime: Runtime;
  const logLines: string[] = [];
  const clock = new ManualClock(new Date('2026-12-01T12:00:00.000Z'));

  beforeAll(async () => {
    database = await createTestDatabase('security');
    dataDir = await mkdtemp(join(tmpdir(), 'strata-security-'));
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ level: 'debug', pretty: false, destination });
    runtime = await openRuntime(loadConfig({ STRATA_DATA_DIR: dataDir }), logger, { database, clock });
  });

  afterAll(async () => {
    await database?.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function appWith(adminToken: string | undefined, mutationsPerMinute = 1000): Promise<FastifyInstance> {
    const app = await buildApp({ runtime, security: { adminToken, mutationsPerMinute } });
    return app;
  }

  describe('with STRATA_ADMIN_TOKEN', () => {
    let app: FastifyInstance;
    beforeAll(async () => {
      app = await appWith(TOKEN);
    });
    afterAll(() => app.close());

    it('refuses an API mutation without a Bearer token, or with a wrong one', async () => {
      const none = await app.inject({ method: 'POST', url: `/api/v1/runs/${NO_SUCH_RUN}/cancel` });
      expect(none.statusCode).toBe(401);
      expect(none.json()).toMatchObject({ error: 'UNAUTHORIZED', message: expect.stringContaining('Bearer') });
      const wrong = await app.inject({ method: 'POST', url: `/api/v1/runs/${NO_SUCH_RUN}/cancel`, headers: { authorization: `Bearer ${TOKEN}x` } });
      expect(wrong.statusCode).toBe(401);
      const notBearer = await app.inject({ method: 'POST', url: `/api/v1/runs/${NO_SUCH_RUN}/cancel`, headers: { authorization: `Basic ${TOKEN}` } });
      expect(notBearer.statusCode).toBe(401);
    });

    it('accepts an API mutation with the right Bearer token, from anywhere', async () => {
      const response = await app.inject({
        method: 'POST',
        url: `/api/v1/runs/${NO_SUCH_RUN}/cancel`,
        headers: { authorization: `Bearer ${TOKEN}` },
        remoteAddress: '203.0.113.9',
      });
      // Past the guard: the run does not exist.
      expect(response.statusCode).toBe(404);
    });

    it('a login session is not enough for the API: a browser cannot be tricked into API calls', async () => {
      const session = await logIn(app);
      const response = await app.inject({ method: 'POST', url: `/api/v1/runs/${NO_SUCH_RUN}/cancel`, headers: { cookie: session } });
      expect(response.statusCode).toBe(401);
    });

    it('logs in through the form: CSRF checked, httpOnly SameSite=Strict cookie, redirect to next', async () => {
      const page = await app.inject({ method: 'GET', url: '/login?next=/runs' });
      expect(page.statusCode).toBe(200);
      const csrf = csrfTokenOf(page);

      const withoutCsrf = await app.inject({ method: 'POST', url: '/login', headers: { cookie: cookieHeader(page) }, payload: { token: TOKEN } });
      expect(withoutCsrf.statusCode).toBe(403);
      expect(withoutCsrf.cookies.find((c) => c.name === SESSION_COOKIE)).toBeUndefined();

      const wrong = await app.inject({ method: 'POST', url: '/login', headers: { cookie: cookieHeader(page) }, payload: { token: 'nope', _csrf: csrf } });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.body).toContain('Wrong admin token');
      expect(wrong.cookies.find((c) => c.name === SESSION_COOKIE)).toBeUndefined();

      const right = await app.inject({ method: 'POST', url: '/login', headers: { cookie: cookieHeader(page) }, payload: { token: TOKEN, _csrf: csrf, next: '/runs' } });
      expect(right.statusCode).toBe(303);
      expect(right.headers.location).toBe('/runs');
      const session = right.cookies.find((c) => c.name === SESSION_COOKIE);
      expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
      expect(session?.value).not.toContain(TOKEN);
    });

    it('never redirects a login to another site', async () => {
      for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
        const page = await app.inject({ method: 'GET', url: '/login' });
        const response = await app.inject({
          method: 'POST',
          url: '/login',
          headers: { cookie: cookieHeader(page) },
          payload: { token: TOKEN, _csrf: csrfTokenOf(page), next },
        });
        expect(response.statusCode).toBe(303);
        expect(response.headers.location).toBe('/');
      }
    });

    it('a UI mutation without a session redirects to the login page; with one (and CSRF) it is accepted', async () => {
      const page = await app.inject({ method: 'GET', url: '/login' });
      const anonymous = await app.inject({
        method: 'POST',
        url: '/logout',
        headers: { cookie: cookieHeader(page) },
        payload: { _csrf: csrfTokenOf(page) },
      });
      expect(anonymous.statusCode).toBe(303);
      expect(anonymous.headers.location).toBe('/login?refused=1');

      const session = await logIn(app);
      const loggedIn = await app.inject({ method: 'GET', url: '/login', headers: { cookie: session } });
      expect(loggedIn.body).toContain('logged in');
      const withoutCsrf = await app.inject({ method: 'POST', url: '/logout', headers: { cookie: session } });
      expect(withoutCsrf.statusCode).toBe(403);
      const logout = await app.inject({ method: 'POST', url: '/logout', headers: { cookie: session }, payload: { _csrf: csrfTokenOf(loggedIn) } });
      expect(logout.statusCode).toBe(303);
      const cleared = logout.cookies.find((c) => c.name === SESSION_COOKIE);
      expect(cleared?.value).toBe('');
    });

    it('refuses a forged or expired session cookie', async () => {
      const session = await logIn(app);
      const value = /strata_session=([^;]+)/.exec(session)?.[1] ?? '';
      const [expiresAt, signature] = value.split('.');
      const forged = `${SESSION_COOKIE}=${Number(expiresAt) + 1000}.${signature}`;
      const page = await app.inject({ method: 'GET', url: '/login', headers: { cookie: forged } });
      expect(page.body).not.toContain('logged in');

      clock.advance(13 * 60 * 60 * 1000);
      const expired = await app.inject({ method: 'GET', url: '/login', headers: { cookie: session } });
      expect(expired.body).not.toContain('logged in');
    });

    it('never writes the token to a response or a log line', async () => {
      await app.inject({ method: 'POST', url: `/api/v1/runs/${NO_SUCH_RUN}/cancel`, headers: { authorization: `Bearer ${TOKEN}` } });
      await logIn(app);
      for (const url of ['/login', '/docs/json', '/healthz', '/metrics']) {
        const response = await app.inject({ method: 'GET', url });
        expect(response.body, url).not.toContain(TOKEN);
      }
      expect(logLines.length).toBeGreaterThan(0);
      expect(logLines.join('')).not.toContain(TOKEN);
    });
  });

  describe('without a token', () => {
    let app: FastifyInstance;
    beforeAll(async () => {
      app = await appWith(undefined);
    });
    afterAll(() => app.close());

    it('accepts API mutations from loopback only', async () => {
      const local = await app.inject({ method: 'POST', url: `/api/v1/runs/${NO_SUCH_RUN}/cancel` });
      expect(local.statusCode).toBe(404);
      const remote = await app.inject({ method: 'POST', url: `/api/v1/runs/${NO_SUCH_RUN}/cancel`, remoteAddress: '203.0.113.9' });
      expect(remote.statusCode).toBe(403);
      expect(remote.json().message).toContain('loopback');
    });

    it('refuses a mutation that a page of another site makes the browser send', async () => {
      const response = await app.inject({
        method: 'POST',
        url: `/api/v1/runs/${NO_SUCH_RUN}/cancel`,
        headers: { 'sec-fetch-site': 'cross-site' },
      });
      expect(response.statusCode).toBe(403);
    });

    it('still requires the CSRF token on UI forms', async () => {
      const response = await app.inject({ method: 'POST', url: '/logout' });
      expect(response.statusCode).toBe(403);
    });

    it('says there is nothing to log in to', async () => {
      const page = await app.inject({ method: 'GET', url: '/login' });
      expect(page.body).toContain('no <code>STRATA_ADMIN_TOKEN</code>');
    });
  });

  describe('headers and limits', () => {
    let app: FastifyInstance;
    beforeAll(async () => {
      app = await appWith(undefined, 3);
    });
    afterAll(() => app.close());

    it('sends security headers on pages and API answers', async () => {
      for (const url of ['/login', '/healthz', '/api/v1/runs']) {
        const response = await app.inject({ method: 'GET', url });
        expect(response.headers['content-security-policy'], url).toContain("script-src 'self'");
        expect(response.headers['content-security-policy'], url).toContain("frame-ancestors 'none'");
        expect(response.headers['x-content-type-options'], url).toBe('nosniff');
      }
    });

    it('rate-limits mutations per client, not reads', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        const response = await app.inject({ method: 'POST', url: `/api/v1/runs/${NO_SUCH_RUN}/cancel`, remoteAddress: '127.0.0.2' });
        statuses.push(response.statusCode);
      }
      expect(statuses).toEqual([404, 404, 404, 429, 429]);
      const limited = await app.inject({ method: 'POST', url: `/api/v1/runs/${NO_SUCH_RUN}/cancel`, remoteAddress: '127.0.0.2' });
      expect(limited.json().message).toContain('at most 3 per minute');
      const read = await app.inject({ method: 'GET', url: '/api/v1/runs', remoteAddress: '127.0.0.2' });
      expect(read.statusCode).toBe(200);
    });

    it('refuses an oversized body with 413', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/runs',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ selection: 'x'.repeat(200_000) }),
        remoteAddress: '127.0.0.3',
      });
      expect(response.statusCode).toBe(413);
    });
  });

  it('refuses a short admin token at startup, without echoing it', () => {
    expect(() => loadConfig({ STRATA_ADMIN_TOKEN: 'short-secret' })).toThrow(ConfigError);
    try {
      loadConfig({ STRATA_ADMIN_TOKEN: 'short-secret' });
    } catch (error) {
      expect((error as Error).message).toContain('STRATA_ADMIN_TOKEN: expected 16 to 512 characters, got 12 characters');
      expect((error as Error).message).not.toContain('short-secret');
    }
  });
});

/** Logs in through the form; returns the Cookie header of the session. */
async function logIn(app: FastifyInstance): Promise<string> {
  const page = await app.inject({ method: 'GET', url: '/login' });
  const response = await app.inject({
    method: 'POST',
    url: '/login',
    headers: { cookie: cookieHeader(page) },
    payload: { token: TOKEN, _csrf: csrfTokenOf(page) },
  });
  if (response.statusCode !== 303) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  return cookieHeader(page, response);
}
