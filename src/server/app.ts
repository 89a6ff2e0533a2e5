/**
 * The Fastify app factory: the JSON API (`/api/v1`, described at `/docs`), the HTML UI, health
 * and metrics, over the one asset graph and the run storage. Built without listening, so tests
 * drive it with `app.inject()`.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { StrataError } from '../core/errors.js';
import { metricsFor, registerMetricsRoute, type Metrics } from '../metrics.js';
import type { Runtime } from '../runtime.js';
import { registerApiV1 } from './api/index.js';
import { registerMarketApi } from './api/market.js';
import { httpStatusFor } from './error-codes.js';
import { createRunEventFeed, defaultRunEventPollMs, type RunEventFeed } from './live/run-event-feed.js';
import { registerHealthRoutes } from './health-routes.js';
import { registerLoginRoutes } from './login-routes.js';
import { echoRequestId, requestIdOptions } from './request-id.js';
import { refuseNulBytes } from './nul-bytes.js';
import { registerSecurity, type SecurityOptions } from './security.js';
import { registerUi } from '../ui/index.js';

export interface AppOptions {
  readonly runtime: Runtime;
  /** Served on `/metrics`; default the runtime's own (metricsFor). */
  readonly metrics?: Metrics;
  /** Default: the runtime's config (STRATA_ADMIN_TOKEN, STRATA_MUTATIONS_PER_MINUTE). */
  readonly security?: Partial<Omit<SecurityOptions, 'clock'>>;
  /** What live run pages follow runs through; default a feed of the app's own, closed with it. */
  readonly runEventFeed?: RunEventFeed;
}

export type StrataApp = FastifyInstance;

/** "querystring.limit: Too big: expected number to be <=1000" for each problem. */
function describeValidation(error: FastifyError & { validation: { instancePath: string; message?: string }[] }): string {
  const where = error.validationContext ?? 'input';
  return error.validation
    .map((issue) => {
      const path = issue.instancePath.split('/').filter(Boolean).join('.');
      return `${[where, path].filter(Boolean).join('.')}: ${issue.message ?? 'invalid'}`;
    })
    .join('; ');
}

export async function buildApp({ runtime, metrics, security: securityOverrides, runEventFeed }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: runtime.logger.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    ...requestIdOptions(),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  echoRequestId(app);
  refuseNulBytes(app);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      return reply.status(400).send({ error: 'VALIDATION_FAILED', message: describeValidation(error) });
    }
    if (error instanceof StrataError) {
      const status = httpStatusFor(error.code);
      if (status >= 500) request.log.error({ err: error }, 'request failed');
      return reply.status(status).send({ error: error.code, message: error.message });
    }
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.status(500).send({ error: 'INTERNAL', message: 'internal error' });
    }
    return reply.status(status).send({ error: error.code ?? 'BAD_REQUEST', message: error.message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );

  const security: SecurityOptions = {
    adminToken: runtime.config.adminToken,
    mutationsPerMinute: runtime.config.mutationsPerMinute,
    ...securityOverrides,
    clock: runtime.clock,
  };
  await registerSecurity(app, security);
  await app.register(swagger, {
    openapi: {
      info: { title: 'Strata API', version: '1.0.0', description: 'Assets, runs, schedules, sensors, backfills and marts of a Strata deployment.' },
      components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'STRATA_ADMIN_TOKEN; required by every mutation' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  registerHealthRoutes(app, runtime);
  registerMetricsRoute(app, metrics ?? metricsFor(runtime));
  registerLoginRoutes(app, security);
  const feed = runEventFeed ?? createRunEventFeed({ database: runtime.database, logger: runtime.logger, events: runtime.events, pollMs: defaultRunEventPollMs(runtime.database) });
  if (runEventFeed === undefined) app.addHook('onClose', () => feed.close());
  await app.register(async (api) => registerApiV1(api, runtime, feed), { prefix: '/api/v1' });
  await app.register(async (market) => registerMarketApi(market, runtime), { prefix: '/api/v1/market' });
  await app.register(async (ui) => registerUi(ui, runtime));
  return app;
}
