/** `GET /drift?source=&kind=`: the schema drift history of the sources, newest last-seen first. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listDrift } from '../../pipeline/silver/schema-drift.js';
import type { Runtime } from '../../runtime.js';
import { ERRORS, list } from './schemas.js';

const DriftKind = z.enum(['new_field', 'missing_field', 'type_changed']);

export function registerDriftRoutes(api: FastifyInstance, runtime: Runtime): void {
  const app = api.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/drift',
    {
      schema: {
        tags: ['sources'],
        summary: 'Schema drift of the sources: new, missing and retyped fields with when they were first and last seen',
        querystring: z.object({ source: z.string().min(1).max(200).optional(), kind: DriftKind.optional() }),
        response: {
          200: z.object({
            drift: list(
              z.object({
                source: z.string(),
                field: z.string(),
                kind: DriftKind,
                firstSeenAt: z.date(),
                lastSeenAt: z.date(),
                firstPartition: z.string(),
                lastPartition: z.string(),
                example: z.unknown(),
              }),
            ),
          }),
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const { source, kind } = request.query;
      const drift = await runtime.database.withSession((session) =>
        listDrift(session, { ...(source === undefined ? {} : { source }), ...(kind === undefined ? {} : { kind }) }),
      );
      return { drift };
    },
  );
}
