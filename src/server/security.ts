/**
 * Who may change things, and the headers and limits every response carries.
 *
 * - With `STRATA_ADMIN_TOKEN` set, every mutation needs it: API clients send
 *   `Authorization: Bearer <token>`; the UI's login form trades the token for an httpOnly,
 *   SameSite=Strict session cookie, and every UI form carries a CSRF token.
 * - With no token, the server binds 127.0.0.1 by default and mutations are accepted from
 *   loopback only, and never from a browser page of another site (`Sec-Fetch-Site`).
 *
 * The session cookie is stateless: `<expiresAt>.<hmac(token, expiresAt)>`, so several serve
 * processes accept each other's sessions, and changing the token logs everyone out.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import cookie from '@fastify/cookie';
import csrfProtection from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../core/types.js';

export const SESSION_COOKIE = 'strata_session';
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface SecurityOptions {
  readonly adminToken: string | undefined;
  readonly clock: Clock;
  /** Mutations per client IP per minute (login attempts count). */
  readonly mutationsPerMinute: number;
}

/** How this request may act: `admin` may mutate, `viewer` may only read. */
export type Access = { readonly role: 'admin'; readonly via: 'token' | 'session' | 'loopback' } | { readonly role: 'viewer' };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on every request by the security hook. */
    access: Access;
  }
}

export function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
}

export function isMutation(method: string): boolean {
  return MUTATING_METHODS.has(method);
}

/** Equal strings in time independent of where they differ. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHmac('sha256', 'strata-compare').update(given).digest();
  const b = createHmac('sha256', 'strata-compare').update(expected).digest();
  return timingSafeEqual(a, b);
}

function sessionSignature(adminToken: string, expiresAt: number): string {
  return createHmac('sha256', adminToken).update(`strata-session:${expiresAt}`).digest('base64url');
}

export function checkAdminToken(options: SecurityOptions, given: string): boolean {
  return options.adminToken !== undefined && sameSecret(given, options.adminToken);
}

function validSession(options: SecurityOptions, value: string | undefined): boolean {
  if (options.adminToken === undefined || value === undefined) return false;
  const [expiresText, signature] = value.split('.');
  const expiresAt = Number(expiresText);
  if (!Number.isSafeInteger(expiresAt) || signature === undefined) return false;
  if (expiresAt <= options.clock.now().getTime()) return false;
  return sameSecret(signature, sessionSignature(options.adminToken, expiresAt));
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

function accessOf(options: SecurityOptions, request: FastifyRequest): Access {
  if (options.adminToken === undefined) return isLoopback(request.ip) ? { role: 'admin', via: 'loopback' } : { role: 'viewer' };
  const bearer = bearerOf(request);
  if (bearer !== undefined && checkAdminToken(options, bearer)) return { role: 'admin', via: 'token' };
  if (validSession(options, request.cookies[SESSION_COOKIE])) return { role: 'admin', via: 'session' };
  return { role: 'viewer' };
}

/** Sets the session cookie after a successful login. */
export function startSession(options: SecurityOptions, request: FastifyRequest, reply: FastifyReply): void {
  if (options.adminToken === undefined) return;
  const expiresAt = options.clock.now().getTime() + SESSION_TTL_MS;
  void reply.setCookie(SESSION_COOKIE, `${expiresAt}.${sessionSignature(options.adminToken, expiresAt)}`, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    maxAge: SESSION_TTL_MS / 1000,
  });
}

export function endSession(reply: FastifyReply): void {
  void reply.clearCookie(SESSION_COOKIE, { path: '/' });
}

/** API paths answer JSON; every other path is the UI, whose forms carry a CSRF token. */
export function isApiPath(url: string): boolean {
  return url === '/api' || url.startsWith('/api/');
}

function refusal(reply: FastifyReply, status: 401 | 403, message: string) {
  return reply.status(status).send({ error: status === 401 ? 'UNAUTHORIZED' : 'MUTATION_FORBIDDEN', message });
}

/** Registers headers, cookies, form bodies, CSRF, rate limits and the mutation guard. */
export async function registerSecurity(app: FastifyInstance, options: SecurityOptions): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    // Plain-HTTP loopback deployments must not be told to upgrade to HTTPS.
    hsts: false,
  });
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  await app.register(csrfProtection, {
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'strict' },
    getToken: (request) => {
      const body = request.body as Record<string, unknown> | undefined;
      const fromBody = body !== null && typeof body === 'object' ? body[CSRF_FIELD] : undefined;
      const fromHeader = request.headers[CSRF_HEADER];
      return typeof fromBody === 'string' ? fromBody : typeof fromHeader === 'string' ? fromHeader : '';
    },
  });
  await app.register(rateLimit, {
    global: true,
    max: options.mutationsPerMinute,
    timeWindow: 60_000,
    allowList: (request) => !isMutation(request.method),
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      error: 'RATE_LIMITED',
      message: `too many changes from this client: at most ${context.max} per minute; retry in ${context.after}`,
    }),
  });

  app.decorateRequest('access', null as never);
  app.addHook('onRequest', async (request) => {
    request.access = accessOf(options, request);
  });

  // preHandler: after the body is parsed, so a form's CSRF field can be read.
  app.addHook('preHandler', async (request, reply) => {
    if (!isMutation(request.method)) return;
    const path = request.url.split('?')[0] ?? '';
    if (isApiPath(path)) {
      if (request.access.role === 'admin' && request.access.via === 'token') return;
      if (options.adminToken !== undefined) {
        return refusal(reply, 401, 'this endpoint changes state: send Authorization: Bearer <STRATA_ADMIN_TOKEN>');
      }
      if (!isLoopback(request.ip)) return refusal(reply, 403, `mutations are accepted only from loopback, not from ${request.ip}`);
      const site = request.headers['sec-fetch-site'];
      if (site === 'cross-site' || site === 'same-site') return refusal(reply, 403, 'mutations are not accepted from another site');
      return;
    }
    // A UI form: the CSRF token first, then who is asking.
    await new Promise<void>((resolve, reject) => {
      app.csrfProtection(request, reply, (error?: Error) => (error ? reject(error) : resolve()));
    });
    if (reply.sent || path === '/login') return;
    if (request.access.role === 'admin') return;
    if (options.adminToken === undefined) return refusal(reply, 403, `mutations are accepted only from loopback, not from ${request.ip}`);
    return reply.redirect('/login?refused=1', 303);
  });
}
