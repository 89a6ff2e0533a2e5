/** Sensors: list, one with its evaluations, and start/stop (admin only). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Runtime } from '../../runtime.js';
import { EVALUATIONS_PAGE, MAX_EVALUATIONS_PAGE, sensorDetail, sensorList, switchSensor } from '../read-models/index.js';
import { SensorDetailSchema, SensorSummarySchema } from './sensor-schemas.js';
import { ADMIN, ERRORS, MUTATION_ERRORS, QueryInt, list } from './schemas.js';

const TAGS = ['sensors'];
const NameParams = z.object({ name: z.string().min(1).max(100) });

/** Who switched a sensor, as the sensor page shows it. */
export function switchedBy(channel: 'api' | 'ui', request: FastifyRequest): string {
  return request.access.role === 'admin' ? `${channel} (${request.access.via})` : channel;
}

export function registerSensorRoutes(api: FastifyInstance, runtime: Runtime): void {
  const app = api.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/sensors',
    { schema: { tags: TAGS, summary: 'Every sensor: kind, on/off, interval, latest evaluation, next due', response: { 200: z.object({ sensors: list(SensorSummarySchema) }) } } },
    async () => ({ sensors: await sensorList(runtime) }),
  );

  app.get(
    '/sensors/:name',
    {
      schema: {
        tags: TAGS,
        summary: 'One sensor with its evaluations, newest first; pass nextBefore as `before` for older ones',
        params: NameParams,
        querystring: z.object({ limit: QueryInt(1, MAX_EVALUATIONS_PAGE).default(EVALUATIONS_PAGE), before: QueryInt(1, Number.MAX_SAFE_INTEGER).optional() }),
        response: { 200: SensorDetailSchema, ...ERRORS },
      },
    },
    async (request) => {
      const { limit, before } = request.query;
      return sensorDetail(runtime, request.params.name, { limit, ...(before === undefined ? {} : { before }) });
    },
  );

  for (const action of ['start', 'stop'] as const) {
    app.post(
      `/sensors/:name/${action}`,
      {
        schema: {
          tags: TAGS,
          summary: action === 'start' ? 'Start a sensor (every daemon evaluates it again)' : 'Stop a sensor (no daemon evaluates it; its cursor is kept)',
          security: ADMIN,
          params: NameParams,
          response: { 200: z.object({ sensor: SensorSummarySchema }), ...MUTATION_ERRORS },
        },
      },
      async (request) => ({
        sensor: await switchSensor(runtime, request.params.name, action === 'start' ? 'running' : 'stopped', switchedBy('api', request)),
      }),
    );
  }
}
