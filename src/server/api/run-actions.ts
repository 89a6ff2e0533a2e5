import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requestCancel } from '../../daemon/cancel-run.js';
import { queueRun } from '../../daemon/execute-run.js';
import { reexecute } from '../../daemon/retry-run.js';
import type { Runtime } from '../../runtime.js';
import { parseInput } from '../parse-input.js';

const LaunchBody = z.strictObject({
  selection: z.string().min(1).max(1000).default('*'),
  partition: z.string().min(1).max(40).optional(),
  tags: z.record(z.string().max(100), z.string().max(500)).optional(),
});

const ReexecuteBody = z.strictObject({ fromFailure: z.boolean().default(true) });
const RunParams = z.object({ id: z.string().min(1).max(100) });

/** Launch, cancel and re-execute: every run is queued and executed by a worker. */
export function registerRunActionRoutes(app: FastifyInstance, runtime: Runtime): void {
  app.post('/runs', async (request, reply) => {
    const body = parseInput(LaunchBody, request.body ?? {}, 'body');
    const run = await queueRun(runtime, {
      selection: body.selection,
      ...(body.partition ? { partitionKey: body.partition } : {}),
      ...(body.tags ? { tags: body.tags } : {}),
    });
    return reply.status(201).send({ run });
  });

  app.post('/runs/:id/cancel', async (request) => {
    const { id } = parseInput(RunParams, request.params, 'params');
    return { run: await requestCancel(runtime, id) };
  });

  app.post('/runs/:id/reexecute', async (request, reply) => {
    const { id } = parseInput(RunParams, request.params, 'params');
    const body = parseInput(ReexecuteBody, request.body ?? {}, 'body');
    return reply.status(201).send({ run: await reexecute(runtime, id, { fromFailure: body.fromFailure }) });
  });
}
