/** The zod schemas of the sensor API's answers, published at `/docs`. */
import { z } from 'zod';
import { RUN_OUTCOMES, type RunOutcome } from '../../core/run-status-sensor.js';
import { list } from './schemas.js';

const OutcomeSchema = z.enum(['requested', 'skipped', 'failed']);

export const SensorEvaluationSchema = z.object({
  id: z.number(),
  sensorName: z.string(),
  daemonId: z.string().nullable().describe('The daemon process that evaluated'),
  startedAt: z.date(),
  endedAt: z.date(),
  durationMs: z.number(),
  outcome: OutcomeSchema.describe('requested: asked for runs; skipped: asked for none (see skipReason); failed: threw, timed out or returned something unusable (see error), nothing requested, cursor kept'),
  skipReason: z.string().nullable(),
  error: z.string().nullable().describe("The error's message and first stack lines"),
  cursorBefore: z.string().nullable(),
  cursorAfter: z.string().nullable(),
  runRequests: list(
    z.object({
      runKey: z.string().nullable().describe("The sensor's own key (the run's run_key is sensor:<name>:<key>)"),
      runId: z.string(),
      selection: z.string(),
      partitionKey: z.string().nullable(),
      existed: z.boolean().describe('The key already had this run: no second run was made'),
    }),
  ),
  logs: list(z.object({ at: z.string(), level: z.enum(['debug', 'info', 'warn', 'error']), message: z.string() })).describe('Lines the sensor wrote with ctx.log'),
  endedRunId: z.string().nullable().describe('Run-status sensors: the ended run this evaluation handled'),
  count: z.number().int().min(1).describe('Evaluations this entry stands for: a skip that repeats the previous entry exactly (same reason and cursor, no logs) is counted here, not listed again'),
  lastAt: z.date().describe('When the last of them started (startedAt when count is 1)'),
});

export const SensorSummarySchema = z.object({
  name: z.string(),
  kind: z.enum(['sensor', 'run-status-sensor']),
  description: z.string(),
  status: z.enum(['running', 'stopped']),
  statusSource: z.enum(['default', 'operator']).describe("default: the definition's defaultStatus; operator: switched with start/stop"),
  statusChangedBy: z.string().nullable(),
  statusChangedAt: z.date().nullable(),
  minimumIntervalSeconds: z.number(),
  on: list(z.enum(RUN_OUTCOMES as readonly [RunOutcome, ...RunOutcome[]])).nullable(),
  monitoredSelection: z.string().nullable(),
  cursor: z.string().nullable(),
  lastEvaluatedAt: z.date().nullable(),
  nextDueAt: z.date().nullable().describe('When a daemon evaluates it next at the latest; null when stopped'),
  latestEvaluation: SensorEvaluationSchema.nullable(),
});

export const SensorDetailSchema = SensorSummarySchema.extend({
  evaluationCounts: z.object({ requested: z.number(), skipped: z.number(), failed: z.number() }),
  evaluations: list(SensorEvaluationSchema),
  nextBefore: z.number().nullable().describe('Pass as `before` for older evaluations'),
});
