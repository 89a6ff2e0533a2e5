/** GET/POST /login and POST /logout: the UI's way to hold the admin token as a session. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { renderPage } from '../ui/layout.js';
import { loginPage } from '../ui/pages/login.js';
import { checkAdminToken, endSession, startSession, type SecurityOptions } from './security.js';

/** Only a path on this site: never `//evil.example` or `https://…`. */
function safeNext(next: string | undefined): string {
  return next !== undefined && /^\/(?![/\\])/.test(next) ? next : '/';
}

const LoginQuery = z.object({ next: z.string().max(500).optional(), refused: z.string().max(10).optional() });
const LoginBody = z.object({ token: z.string().max(1000).default(''), next: z.string().max(500).optional(), _csrf: z.string().max(500).optional() });

export function registerLoginRoutes(app: FastifyInstance, security: SecurityOptions): void {
  app.get('/login', { schema: { hide: true, querystring: LoginQuery } }, async (request, reply) => {
    const query = request.query as z.infer<typeof LoginQuery>;
    const body = loginPage({
      csrfToken: reply.generateCsrf(),
      tokenConfigured: security.adminToken !== undefined,
      loggedIn: request.access.role === 'admin' && request.access.via === 'session',
      next: safeNext(query.next),
      ...(query.refused ? { message: 'Log in with the admin token to make changes.' } : {}),
    });
    return reply.type('text/html; charset=utf-8').send(renderPage({ title: 'Log in', body, request }));
  });

  app.post('/login', { schema: { hide: true, body: LoginBody } }, async (request, reply) => {
    const body = request.body as z.infer<typeof LoginBody>;
    if (!checkAdminToken(security, body.token)) {
      request.log.warn('login refused: wrong admin token');
      const page = loginPage({
        csrfToken: reply.generateCsrf(),
        tokenConfigured: security.adminToken !== undefined,
        loggedIn: false,
        next: safeNext(body.next),
        message: security.adminToken === undefined ? 'This server has no admin token.' : 'Wrong admin token.',
      });
      return reply.status(401).type('text/html; charset=utf-8').send(renderPage({ title: 'Log in', body: page, request }));
    }
    startSession(security, request, reply);
    return reply.redirect(safeNext(body.next), 303);
  });

  app.post('/logout', { schema: { hide: true } }, async (_request, reply) => {
    endSession(reply);
    return reply.redirect('/', 303);
  });
}
