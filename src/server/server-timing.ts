/**
 * `Server-Timing: db;dur=3.1, total;dur=4.0` on every response of a route group: how long the
 * database took (the read-model calls a route wraps in `timeDb`) and the whole request, in
 * milliseconds, so a client (or a browser's devtools) sees where the time went.
 */
import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';

interface Timing {
  readonly startedAt: number;
  dbMs: number;
}

const timings = new WeakMap<FastifyRequest, Timing>();

export function registerServerTiming(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    timings.set(request, { startedAt: performance.now(), dbMs: 0 });
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const timing = timings.get(request);
    if (timing !== undefined) {
      const total = performance.now() - timing.startedAt;
      void reply.header('server-timing', `db;dur=${timing.dbMs.toFixed(1)}, total;dur=${total.toFixed(1)}`);
    }
    return payload;
  });
}

/** Runs `work` (database reads) and counts its time as the request's `db` duration. */
export async function timeDb<T>(request: FastifyRequest, work: () => Promise<T>): Promise<T> {
  const startedAt = performance.now();
  try {
    return await work();
  } finally {
    const timing = timings.get(request);
    if (timing !== undefined) timing.dbMs += performance.now() - startedAt;
  }
}
