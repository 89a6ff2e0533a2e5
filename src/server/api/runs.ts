import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Runtime } from '../../runtime.js';
import { RunNotFoundError, eventsForRun, getRun, listRuns, stepsForRun } from '../../storage/index.js';
import { RunStatusSchema, parseInput } from '../parse-input.js';

const ListQuery = z.object({
  status: RunStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  cursor: z.string().max(200).optional(),
});

const RunParams = z.object({ id: z.string().min(1).max(100) });

export function registerRunRoutes(app: FastifyInstance, runtime: Runtime): void {
  const { db } = runtime.database;

  /** Newest first; pass `nextCursor` back as `cursor` for the next page. */
  app.get('/runs', async (request) => {
    const query = parseInput(ListQuery, request.query, 'query');
    return listRuns(db, {
      limit: query.limit,
      ...(query.status ? { status: query.status } : {}),
      ...(query.cursor ? { before: query.cursor } : {}),
    });
  });

  app.get('/runs/:id', async (request) => {
    const { id } = parseInput(RunParams, request.params, 'params');
    const run = await getRun(db, id);
    if (run === undefined) throw new RunNotFoundError(id);
    const [steps, events] = await Promise.all([stepsForRun(db, id), eventsForRun(db, id)]);
    return { run, steps, events };
  });
}
