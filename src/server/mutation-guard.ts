/**
 * Until operator authentication exists (an admin token), mutations are accepted only from
 * loopback: the server binds 127.0.0.1 by default, and this refuses a mutation that arrives
 * through a proxy or a wider bind anyway.
 */
import type { FastifyInstance } from 'fastify';

const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
}

export function registerMutationGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!MUTATING_METHODS.has(request.method) || isLoopback(request.ip)) return;
    return reply.status(403).send({ error: 'MUTATION_FORBIDDEN', message: `mutations are accepted only from loopback, not from ${request.ip}` });
  });
}
