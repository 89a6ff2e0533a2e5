/** Reading runs: `GET /runs` (filters, keyset pages), `GET /runs/:id`, `GET /runs/:id/events`. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Runtime } from '../../runtime.js';
import { MAX_EVENTS_PAGE, RUN_EVENTS_PAGE, listRunsPage, runDetail, runEventsPage } from '../read-models/index.js';
import { ERRORS, EventsPageSchema, IdParams, QueryInt, QueryTime, RunCursor, RunSchema, RunStatusSchema, RunTriggerSchema, StepSchema, list } from './schemas.js';

const TAGS = ['runs'];
export const MAX_RUNS_PAGE = 200;

const StatusList = z
  .string()
  .max(200)
  .transform((text) => [...new Set(text.split(',').map((part) => part.trim()).filter((part) => part !== ''))])
  .pipe(z.array(RunStatusSchema));

const ListQuery = z.object({
  status: StatusList.optional().describe('One or more statuses, comma-separated: FAILURE,CANCELED'),
  asset: z.string().min(1).max(200).optional().describe('Runs that selected this asset key'),
  trigger: RunTriggerSchema.optional(),
  from: QueryTime.optional().describe('Created at or after (ISO date-time or date)'),
  to: QueryTime.optional().describe('Created before'),
  limit: QueryInt(1, MAX_RUNS_PAGE).default(50),
  cursor: RunCursor.optional().describe('nextCursor of the previous page'),
});

const EventsQuery = z.object({
  after: QueryInt(0, Number.MAX_SAFE_INTEGER).optional().describe('Events with a larger id, oldest first'),
  before: QueryInt(1, Number.MAX_SAFE_INTEGER).optional().describe('The newest events with a smaller id'),
  limit: QueryInt(1, MAX_EVENTS_PAGE).default(RUN_EVENTS_PAGE),
});

export function registerRunRoutes(api: FastifyInstance, runtime: Runtime): void {
  const app = api.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/runs',
    {
      schema: {
        tags: TAGS,
        summary: 'Runs newest first, filtered by status, asset, trigger and time; keyset-paginated',
        querystring: ListQuery,
        response: { 200: z.object({ runs: list(RunSchema), nextCursor: z.string().nullable() }), ...ERRORS },
      },
    },
    async (request) => {
      const { status, asset, trigger, from, to, limit, cursor } = request.query;
      const page = await listRunsPage(runtime, {
        limit,
        ...(status === undefined ? {} : { statuses: status }),
        ...(asset === undefined ? {} : { assetKey: asset }),
        ...(trigger === undefined ? {} : { trigger }),
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
        ...(cursor === undefined ? {} : { cursor }),
      });
      return { runs: [...page.runs], nextCursor: page.nextCursor ?? null };
    },
  );

  app.get(
    '/runs/:id',
    {
      schema: {
        tags: TAGS,
        summary: `One run with its steps and its newest ${RUN_EVENTS_PAGE} events`,
        params: IdParams('a run id'),
        response: { 200: z.object({ run: RunSchema, steps: list(StepSchema), events: EventsPageSchema }), ...ERRORS },
      },
    },
    async (request) => runDetail(runtime, request.params.id),
  );

  app.get(
    '/runs/:id/events',
    {
      schema: {
        tags: TAGS,
        summary: 'A page of the run’s events: `after` an id (oldest first) or the newest `before` one',
        params: IdParams('a run id'),
        querystring: EventsQuery,
        response: { 200: EventsPageSchema, ...ERRORS },
      },
    },
    async (request) => {
      const { after, before, limit } = request.query;
      return runEventsPage(runtime, request.params.id, { limit, ...(after === undefined ? {} : { after }), ...(before === undefined ? {} : { before }) });
    },
  );
}
