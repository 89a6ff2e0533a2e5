/** Declarative automation: `GET /assets/:layer/:name/automation` ("why did / why didn't this run") and `GET /automation/evaluations`. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Runtime } from '../../runtime.js';
import { assetAutomation, automationEvaluations } from '../read-models/automation.js';
import { AssetKeyParams, ERRORS, QueryInt, list } from './schemas.js';

const TAGS = ['automation'];

const AssetAutomationSchema = z.object({
  assetKey: z.string(),
  condition: z.string().nullable().describe('The label of the asset\'s condition (`eager()`, `on_cron(\'0 6 * * *\') & ~missing()`); null when it has none'),
  partitions: list(
    z.object({
      partitionKey: z.string().nullable().describe('null for an unpartitioned asset'),
      value: z.boolean().describe('Whether the condition is true now'),
      reason: z.string().describe('Why, in words'),
      changedAt: z.date().nullable(),
      trueSince: z.date().nullable(),
      requestedAt: z.date().nullable().describe('When automation last requested a run of this partition'),
      requestedRunId: z.string().nullable(),
      materializedAt: z.date().nullable(),
    }),
  ).describe('Each evaluated partition, newest first'),
  history: list(
    z.object({
      evaluationId: z.number(),
      partitionKey: z.string().nullable(),
      value: z.boolean(),
      reason: z.string(),
      runId: z.string().nullable().describe('The run this evaluation requested for the partition'),
      evaluatedAt: z.date(),
    }),
  ).describe('Changes of the results (an unchanged result is not stored again), newest first'),
});

const EvaluationSchema = z.object({
  id: z.number(),
  processId: z.string().nullable().describe('The daemon that stored the evaluation'),
  startedAt: z.date(),
  durationMs: z.number(),
  changesRead: z.number().describe('Materializations, failures and runs queued or ended folded in'),
  partitionsEvaluated: z.number(),
  partitionsChanged: z.number().describe('Partitions whose result or reason changed'),
  runIds: list(z.string()).describe('The runs it requested'),
});

export function registerAutomationRoutes(api: FastifyInstance, runtime: Runtime): void {
  const app = api.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/assets/:layer/:name/automation',
    {
      schema: {
        tags: TAGS,
        summary: "Why did / didn't this asset run: its automation condition, each partition's current result and reason with the run last requested, and recent changes",
        params: AssetKeyParams,
        querystring: z.object({ partitions: QueryInt(1, 1000).default(50), history: QueryInt(1, 1000).default(50) }),
        response: { 200: AssetAutomationSchema, ...ERRORS },
      },
    },
    async (request) => assetAutomation(runtime, `${request.params.layer}/${request.params.name}`, request.query),
  );

  app.get(
    '/automation/evaluations',
    {
      schema: {
        tags: TAGS,
        summary: "The daemon's recent automation evaluations, newest first: duration, what they read and evaluated, the runs they requested",
        querystring: z.object({ limit: QueryInt(1, 1000).default(50) }),
        response: { 200: z.object({ evaluations: list(EvaluationSchema) }), ...ERRORS },
      },
    },
    async (request) => ({ evaluations: await automationEvaluations(runtime, request.query.limit) }),
  );
}
