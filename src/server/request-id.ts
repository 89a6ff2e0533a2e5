/**
 * Request ids: every HTTP log line carries `requestId`, and every response echoes it in
 * `X-Request-Id`. A caller's id (a proxy's, a test's) is kept when it is short and plain, so
 * one id follows a request across services; anything else gets a fresh UUID, because the
 * header is untrusted input that lands in logs.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LogController, type FastifyInstance } from 'fastify';

export const REQUEST_ID_HEADER = 'x-request-id';
const PLAIN_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFor(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && PLAIN_ID.test(given) ? given : randomUUID();
}

/** Fastify options that name the id `requestId` in logs and take it from `requestIdFor`. */
export function requestIdOptions(): { genReqId: typeof requestIdFor; requestIdHeader: false; logController: LogController } {
  return { genReqId: requestIdFor, requestIdHeader: false, logController: new LogController({ requestIdLogLabel: 'requestId' }) };
}

export function echoRequestId(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
  });
}
