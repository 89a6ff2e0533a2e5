/**
 * Launch, cancel and re-execute (admin only): every run is queued and executed by a worker.
 * A launch with several partitions validates all of them first, then queues one run per
 * partition in one transaction: either every run is queued or none.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requestCancel } from '../../daemon/cancel-run.js';
import { prepareRun } from '../../daemon/execute-run.js';
import { announceQueueChanged } from '../../daemon/queue-signals.js';
import { reexecute } from '../../daemon/retry-run.js';
import type { Runtime } from '../../runtime.js';
import { createRun, type Run } from '../../storage/index.js';
import { ADMIN, IdParams, MaxRetriesField, MUTATION_ERRORS, RunSchema, list } from './schemas.js';

const TAGS = ['runs'];
export const MAX_LAUNCH_PARTITIONS = 100;

const PartitionKey = z.string().min(1).max(40);

const LaunchBody = z
  .strictObject({
    selection: z.string().trim().min(1).max(2000).default('*').describe('Selection syntax: `*`, `gold/*`, `+silver/market_snapshots`'),
    partition: PartitionKey.optional().describe('One partition key; default: the partition that contains now'),
    partitions: z.array(PartitionKey).min(1).max(MAX_LAUNCH_PARTITIONS).optional().describe('Several partition keys: one run each'),
    tags: z.record(z.string().min(1).max(100), z.string().max(500)).refine((tags) => Object.keys(tags).length <= 20, 'at most 20 tags').optional(),
    maxRetries: MaxRetriesField.optional(),
  })
  .refine((body) => body.partition === undefined || body.partitions === undefined, { message: 'give partition or partitions, not both', path: ['partitions'] });

const ReexecuteBody = z.strictObject({ fromFailure: z.boolean().default(true).describe('Skip the steps that succeeded in the run’s chain') });

export async function launchRuns(runtime: Runtime, body: z.output<typeof LaunchBody>): Promise<Run[]> {
  const partitions = body.partitions === undefined ? [body.partition] : [...new Set(body.partitions)];
  const inputs = partitions.map((partitionKey) =>
    prepareRun(runtime, {
      selection: body.selection,
      ...(partitionKey === undefined ? {} : { partitionKey }),
      ...(body.tags === undefined ? {} : { tags: body.tags }),
      ...(body.maxRetries === undefined ? {} : { maxRetries: body.maxRetries }),
    }),
  );
  const runs = await runtime.database.db.transaction().execute(async (trx) => {
    const created: Run[] = [];
    for (const input of inputs) created.push(await createRun(trx, input));
    return created;
  });
  announceQueueChanged(runtime.database);
  return runs;
}

export function registerRunActionRoutes(api: FastifyInstance, runtime: Runtime): void {
  const app = api.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/runs',
    {
      schema: {
        tags: TAGS,
        summary: 'Launch: queue a run of a selection for a partition, or one run per partition',
        security: ADMIN,
        body: LaunchBody.nullish(),
        response: { 201: z.object({ run: RunSchema, runs: list(RunSchema) }), ...MUTATION_ERRORS },
      },
    },
    async (request, reply) => {
      const runs = await launchRuns(runtime, request.body ?? { selection: '*' });
      return reply.status(201).send({ run: runs[0] as Run, runs });
    },
  );

  app.post(
    '/runs/:id/cancel',
    {
      schema: {
        tags: TAGS,
        summary: 'Cancel a run: a queued one at once, an executing one within seconds; 409 when it already ended',
        security: ADMIN,
        params: IdParams('a run id'),
        response: { 200: z.object({ run: RunSchema }), ...MUTATION_ERRORS },
      },
    },
    async (request) => ({ run: await requestCancel(runtime, request.params.id) }),
  );

  app.post(
    '/runs/:id/reexecute',
    {
      schema: {
        tags: TAGS,
        summary: 'Queue a re-execution of an ended run: all steps, or from failure (default)',
        security: ADMIN,
        params: IdParams('a run id'),
        body: ReexecuteBody.nullish(),
        response: { 201: z.object({ run: RunSchema }), ...MUTATION_ERRORS },
      },
    },
    async (request, reply) => {
      const fromFailure = request.body?.fromFailure ?? true;
      return reply.status(201).send({ run: await reexecute(runtime, request.params.id, { fromFailure }) });
    },
  );
}
