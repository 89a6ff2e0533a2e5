import type { FastifyInstance } from 'fastify';
import type { Metrics } from './create-metrics.js';

/**
 * `GET /metrics`: the Prometheus text exposition. Logged at warn and above only: a scrape every
 * 15 s would otherwise be most of the access log.
 */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics): void {
  app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => {
    const text = await metrics.render();
    return reply.header('content-type', metrics.contentType).send(text);
  });
}
