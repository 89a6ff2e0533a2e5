/**
 * Conditional GETs for read-only routes: a successful GET gets a strong ETag (a hash of the
 * exact body bytes) and a request whose `If-None-Match` names it is answered 304 with no body,
 * so a client polling unchanged data downloads nothing. `Cache-Control` is the route's call
 * (`cacheFor`): how long a client may reuse an answer before asking again.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';

export function strongEtag(body: string | Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

/**
 * `If-None-Match` uses the weak comparison (RFC 9110 13.1.2): `W/"x"` matches `"x"`; `*`
 * matches any current representation.
 */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}

/** `public, max-age=N`: the data is public (reads need no auth) and may be reused for N seconds. */
export function cacheFor(reply: FastifyReply, seconds: number): void {
  void reply.header('cache-control', `public, max-age=${seconds}`);
}

/** ETags and 304s for every 200 GET (and HEAD, which fastify answers from the GET) of `app`'s routes. */
export function registerConditionalGet(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || reply.statusCode !== 200) return payload;
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    const etag = strongEtag(payload);
    void reply.header('etag', etag);
    if (!noneMatch(request.headers['if-none-match'], etag)) return payload;
    void reply.code(304);
    void reply.removeHeader('content-type');
    void reply.removeHeader('content-length');
    return '';
  });
}
