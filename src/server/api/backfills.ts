import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { cancelBackfill, createBackfill, getBackfillDetail, listBackfillDetails, reexecuteFailedBackfill } from '../../daemon/backfill.js';
import type { Runtime } from '../../runtime.js';
import { parseInput } from '../parse-input.js';

const CreateBody = z.object({
  selection: z.string().trim().min(1).max(2000),
  from: z.string().min(1).max(100),
  to: z.string().min(1).max(100),
  chunk: z.number().int().min(1).max(100_000).optional(),
});

const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) });
const BackfillParams = z.object({ id: z.string().min(1).max(100) });

/**
 * Backfills: create one (runs queued for workers), list, show with progress, cancel,
 * re-execute the failed partitions. Bad selection or partition keys answer 400 naming them.
 */
export function registerBackfillRoutes(app: FastifyInstance, runtime: Runtime): void {
  app.post('/backfills', async (request, reply) => {
    const body = parseInput(CreateBody, request.body ?? {}, 'body');
    const created = await createBackfill(runtime, {
      selection: body.selection,
      from: body.from,
      to: body.to,
      ...(body.chunk === undefined ? {} : { chunk: body.chunk }),
    });
    return reply.status(201).send({ backfill: created.backfill, runIds: created.runs.map((run) => run.id) });
  });

  /** Newest first, each with its status and progress. */
  app.get('/backfills', async (request) => {
    const { limit } = parseInput(ListQuery, request.query, 'query');
    return { backfills: await listBackfillDetails(runtime, limit) };
  });

  app.get('/backfills/:id', async (request) => {
    const { id } = parseInput(BackfillParams, request.params, 'params');
    return { backfill: await getBackfillDetail(runtime, id) };
  });

  app.post('/backfills/:id/cancel', async (request) => {
    const { id } = parseInput(BackfillParams, request.params, 'params');
    return cancelBackfill(runtime, id);
  });

  app.post('/backfills/:id/reexecute-failed', async (request) => {
    const { id } = parseInput(BackfillParams, request.params, 'params');
    const result = await reexecuteFailedBackfill(runtime, id);
    return { backfill: result.backfill, runIds: result.runs.map((run) => run.id), skipped: result.skipped };
  });
}
