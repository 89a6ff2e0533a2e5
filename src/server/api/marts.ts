/** Gold marts: `GET /marts` and `GET /marts/:name/rows` (one partition, sorted, paged). */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Runtime } from '../../runtime.js';
import { MART_NAMES, MAX_MART_OFFSET, MAX_MART_PAGE, martList, martRows } from '../read-models/index.js';
import { ERRORS, MartValueSchema, QueryInt, list } from './schemas.js';

const TAGS = ['marts'];
const SortSchema = z.object({ column: z.string(), order: z.enum(['asc', 'desc']) });

export function registerMartRoutes(api: FastifyInstance, runtime: Runtime): void {
  const app = api.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/marts',
    {
      schema: {
        tags: TAGS,
        summary: 'The gold marts: columns, sortable columns, latest partition',
        response: {
          200: z.object({
            marts: list(
              z.object({
                name: z.string(),
                assetKey: z.string(),
                description: z.string(),
                partitionsKind: z.enum(['six_hourly', 'daily']),
                columns: list(z.string()),
                sortable: list(z.string()),
                defaultSort: SortSchema,
                latestPartition: z.string().nullable(),
              }),
            ),
          }),
        },
      },
    },
    async () => ({ marts: await martList(runtime) }),
  );

  app.get(
    '/marts/:name/rows',
    {
      schema: {
        tags: TAGS,
        summary: 'Rows of one partition of a mart (default the latest), sorted by a sortable column, offset-paged',
        params: z.object({ name: z.string().min(1).max(100).describe(MART_NAMES.join(', ')) }),
        querystring: z.object({
          partition: z.string().min(1).max(40).optional(),
          sort: z.string().min(1).max(100).optional(),
          order: z.enum(['asc', 'desc']).optional(),
          limit: QueryInt(1, MAX_MART_PAGE).default(50),
          offset: QueryInt(0, MAX_MART_OFFSET).default(0),
        }),
        response: {
          200: z.object({
            mart: z.string(),
            partition: z.string().nullable(),
            sort: z.string(),
            order: z.enum(['asc', 'desc']),
            offset: z.number(),
            total: z.number(),
            rows: list(z.record(z.string(), MartValueSchema)),
            nextOffset: z.number().nullable(),
          }),
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const { partition, sort, order, limit, offset } = request.query;
      return martRows(runtime, request.params.name, {
        limit,
        offset,
        ...(partition === undefined ? {} : { partition }),
        ...(sort === undefined ? {} : { sort }),
        ...(order === undefined ? {} : { order }),
      });
    },
  );
}
