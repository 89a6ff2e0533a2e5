/** Schedules: list, one with its ticks, and on/off (admin only). */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Runtime } from '../../runtime.js';
import { MAX_TICKS_PAGE, TICKS_PAGE, scheduleDetail, scheduleList, setScheduleOn } from '../read-models/index.js';
import { ADMIN, ERRORS, MUTATION_ERRORS, QueryInt, QueryTime, ScheduleDetailSchema, ScheduleSummarySchema, list } from './schemas.js';

const TAGS = ['schedules'];
const NameParams = z.object({ name: z.string().min(1).max(100) });

export function registerScheduleRoutes(api: FastifyInstance, runtime: Runtime): void {
  const app = api.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/schedules',
    { schema: { tags: TAGS, summary: 'Every schedule: cron in words, on/off, next ticks, latest tick', response: { 200: z.object({ schedules: list(ScheduleSummarySchema) }) } } },
    async () => ({ schedules: await scheduleList(runtime) }),
  );

  app.get(
    '/schedules/:name',
    {
      schema: {
        tags: TAGS,
        summary: 'One schedule with its tick history, newest first; pass nextBefore as `before` for older ticks',
        params: NameParams,
        querystring: z.object({ limit: QueryInt(1, MAX_TICKS_PAGE).default(TICKS_PAGE), before: QueryTime.optional() }),
        response: { 200: ScheduleDetailSchema, ...ERRORS },
      },
    },
    async (request) => {
      const { limit, before } = request.query;
      return scheduleDetail(runtime, request.params.name, { limit, ...(before === undefined ? {} : { before }) });
    },
  );

  for (const action of ['enable', 'disable'] as const) {
    app.post(
      `/schedules/:name/${action}`,
      {
        schema: {
          tags: TAGS,
          summary: action === 'enable' ? 'Turn a schedule on' : 'Turn a schedule off (its ticks are stored SKIPPED)',
          security: ADMIN,
          params: NameParams,
          response: { 200: z.object({ schedule: ScheduleSummarySchema }), ...MUTATION_ERRORS },
        },
      },
      async (request) => ({ schedule: await setScheduleOn(runtime, request.params.name, action === 'enable') }),
    );
  }
}
