import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listDrift } from '../../pipeline/silver/schema-drift.js';
import type { Runtime } from '../../runtime.js';
import { parseInput } from '../parse-input.js';

const DriftQuery = z.object({
  source: z.string().min(1).max(200).optional(),
  kind: z.enum(['new_field', 'missing_field', 'type_changed']).optional(),
});

/** `GET /api/drift?source=&kind=`: the schema drift history, newest last-seen first. */
export function registerDriftRoutes(app: FastifyInstance, runtime: Runtime): void {
  app.get('/drift', async (request) => {
    const { source, kind } = parseInput(DriftQuery, request.query, 'query');
    const drift = await runtime.database.withSession((session) =>
      listDrift(session, { ...(source === undefined ? {} : { source }), ...(kind === undefined ? {} : { kind }) }),
    );
    return { drift };
  });
}
