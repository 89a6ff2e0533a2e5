/**
 * The Fastify app factory: the JSON API over the one asset graph and the run storage. Built
 * without listening, so tests drive it with `app.inject()`.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { StrataError } from '../core/errors.js';
import { metricsFor, registerMetricsRoute, type Metrics } from '../metrics.js';
import type { Runtime } from '../runtime.js';
import { httpStatusFor } from './error-codes.js';
import { registerAssetRoutes } from './routes/assets.js';
import { registerBackfillRoutes } from './routes/backfills.js';
import { registerDriftRoutes } from './routes/drift.js';
import { registerMutationGuard } from './mutation-guard.js';
import { echoRequestId, requestIdOptions } from './request-id.js';
import { registerRunActionRoutes } from './routes/run-actions.js';
import { registerRunRoutes } from './routes/runs.js';

export interface AppOptions {
  readonly runtime: Runtime;
  /** Served on `/metrics`; default the runtime's own (metricsFor). */
  readonly metrics?: Metrics;
}

export async function buildApp({ runtime, metrics }: AppOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: runtime.logger.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    ...requestIdOptions(),
  });
  echoRequestId(app);

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof StrataError) {
      const status = httpStatusFor(error.code);
      if (status >= 500) request.log.error({ err: error }, 'request failed');
      return reply.status(status).send({ error: error.code, message: error.message });
    }
    const status = typeof (error as { statusCode?: unknown }).statusCode === 'number' ? (error as { statusCode: number }).statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.status(500).send({ error: 'INTERNAL', message: 'internal error' });
    }
    return reply.status(status).send({ error: 'BAD_REQUEST', message: (error as Error).message });
  });

  app.get('/healthz', async () => {
    await runtime.database.db.selectFrom('strata.runs').select('id').limit(1).execute();
    return { status: 'ok', engine: runtime.database.engine };
  });

  registerMetricsRoute(app, metrics ?? metricsFor(runtime));
  registerMutationGuard(app);
  registerAssetRoutes(app, runtime);
  registerRunRoutes(app, runtime);
  registerRunActionRoutes(app, runtime);
  registerBackfillRoutes(app, runtime);
  registerDriftRoutes(app, runtime);
  return app;
}
