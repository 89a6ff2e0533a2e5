/**
 * Backfills: create (runs queued for workers), list, show with progress, cancel, re-execute the
 * failed partitions. Bad selection or partition keys answer 400 naming them.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cancelBackfill, createBackfill, reexecuteFailedBackfill } from '../../daemon/backfill.js';
import type { Runtime } from '../../runtime.js';
import { MAX_BACKFILLS_PAGE, backfillList, backfillView, toView } from '../read-models/index.js';
import { ADMIN, MaxRetriesField, BackfillSummarySchema, BackfillViewSchema, ERRORS, IdParams, MUTATION_ERRORS, QueryInt, list } from './schemas.js';

const TAGS = ['backfills'];

const CreateBody = z.strictObject({
  selection: z.string().trim().min(1).max(2000),
  from: z.string().min(1).max(100).describe('First partition key, included'),
  to: z.string().min(1).max(100).describe('Last partition key, included'),
  chunk: z.number().int().min(1).max(100_000).optional().describe('Partitions per chunk (queue priority group); default 1'),
  maxRetries: MaxRetriesField.optional(),
});

const SkippedSchema = list(z.object({ partition: z.string(), reason: z.string() }));

export function registerBackfillRoutes(api: FastifyInstance, runtime: Runtime): void {
  const app = api.withTypeProvider<ZodTypeProvider>();
  const params = IdParams('a backfill id');

  app.post(
    '/backfills',
    {
      schema: {
        tags: TAGS,
        summary: 'Create a backfill: one run per partition in [from, to]',
        security: ADMIN,
        body: CreateBody,
        response: { 201: z.object({ backfill: BackfillViewSchema, runIds: list(z.string()) }), ...MUTATION_ERRORS },
      },
    },
    async (request, reply) => {
      const { selection, from, to, chunk, maxRetries } = request.body;
      const created = await createBackfill(runtime, {
        selection,
        from,
        to,
        ...(chunk === undefined ? {} : { chunk }),
        ...(maxRetries === undefined ? {} : { maxRetries }),
      });
      return reply.status(201).send({ backfill: toView(created.backfill), runIds: created.runs.map((run) => run.id) });
    },
  );

  app.get(
    '/backfills',
    {
      schema: {
        tags: TAGS,
        summary: 'Backfills newest first, each with its status and progress',
        querystring: z.object({ limit: QueryInt(1, MAX_BACKFILLS_PAGE).default(50) }),
        response: { 200: z.object({ backfills: list(BackfillSummarySchema) }), ...ERRORS },
      },
    },
    async (request) => ({ backfills: await backfillList(runtime, request.query.limit) }),
  );

  app.get(
    '/backfills/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'One backfill with its progress and the latest run of each partition',
        params,
        response: { 200: z.object({ backfill: BackfillViewSchema }), ...ERRORS },
      },
    },
    async (request) => ({ backfill: await backfillView(runtime, request.params.id) }),
  );

  app.post(
    '/backfills/:id/cancel',
    {
      schema: {
        tags: TAGS,
        summary: 'Cancel: queued runs become CANCELED, executing ones are asked to cancel; 409 once finished',
        security: ADMIN,
        params,
        response: {
          200: z.object({ backfill: BackfillViewSchema, canceledRuns: list(z.string()), cancelRequestedRuns: list(z.string()) }),
          ...MUTATION_ERRORS,
        },
      },
    },
    async (request) => {
      const result = await cancelBackfill(runtime, request.params.id);
      return { ...result, backfill: toView(result.backfill) };
    },
  );

  app.post(
    '/backfills/:id/reexecute-failed',
    {
      schema: {
        tags: TAGS,
        summary: 'Queue a new run for every partition whose latest run failed',
        security: ADMIN,
        params,
        response: { 200: z.object({ backfill: BackfillViewSchema, runIds: list(z.string()), skipped: SkippedSchema }), ...MUTATION_ERRORS },
      },
    },
    async (request) => {
      const result = await reexecuteFailedBackfill(runtime, request.params.id);
      return { backfill: toView(result.backfill), runIds: result.runs.map((run) => run.id), skipped: result.skipped };
    },
  );
}
