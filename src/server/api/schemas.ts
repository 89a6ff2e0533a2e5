/**
 * The zod schemas of the API's inputs and outputs, published at `/docs`. Dates in responses are
 * `z.date()`: fastify-type-provider-zod (v7) documents them as `string, format: date-time` and
 * JSON.stringify writes ISO strings, so read models hand over Date objects everywhere.
 */
import { z } from 'zod';
import { MAX_CATCHUP_LIMIT } from '../../core/schedule.js';
import { PARTITIONS_SERVED } from '../../core/servable-partitions.js';
import { LAYERS, MAX_RUN_RETRIES, RUN_TRIGGERS, type RunStatus, type RunTrigger } from '../../core/types.js';
import { ASSET_HEALTHS, type AssetHealth } from '../read-models/asset-health.js';
import { ASSET_PAGE, MAX_ASSET_PAGE } from '../read-models/catalog.js';
import { RUN_STATUSES as STATUSES } from '../../storage/run-status.js';
import { UUID_PATTERN, decodeRunCursor } from '../../storage/runs.js';

const RUN_STATUSES = STATUSES as readonly [RunStatus, ...RunStatus[]];

export const RunStatusSchema = z.enum(RUN_STATUSES);
export const RunTriggerSchema = z.enum(RUN_TRIGGERS as readonly [RunTrigger, ...RunTrigger[]]);
export const StepStatusSchema = z.enum(['PENDING', 'RUNNING', 'SUCCESS', 'FAILURE', 'SKIPPED', 'CANCELED']);

/** Read models hand out readonly arrays. */
export const list = <T extends z.ZodType>(item: T) => z.array(item).readonly();

export const ErrorSchema = z.object({
  error: z.string().describe('A stable code: VALIDATION_FAILED, RUN_NOT_FOUND, UNAUTHORIZED, …'),
  message: z.string().describe('What was wrong, naming the field'),
});

/** 4xx answers every route may give. */
export const ERRORS = { 400: ErrorSchema, 404: ErrorSchema } as const;
export const MUTATION_ERRORS = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema } as const;
export const ADMIN = [{ adminToken: [] }];

/** The run-retry policy a launch or backfill may give its runs. */
export const MaxRetriesField = z
  .number()
  .int()
  .min(0)
  .max(MAX_RUN_RETRIES)
  .describe(
    `Run retries: how many times a run whose worker is lost (heartbeat timed out, or shut down mid-run) is queued again, resuming from failure; 0: never. Step failures follow the asset's retry policy instead. Default: STRATA_RUN_MAX_RETRIES (2)`,
  );

export const Uuid = (what: string) => z.string().regex(UUID_PATTERN, `expected ${what} (a uuid)`);
export const IdParams = (what: string) => z.object({ id: Uuid(what) });

/** A query-string integer in [min, max]. */
export const QueryInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/**
 * An ISO date-time (with offset) or a date, as a Date, in years 1 to 9999 (UTC): Postgres has no
 * year 0, and a Date outside that range would reach the database as text it refuses.
 */
export const QueryTime = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((text) => new Date(text))
  .refine((time) => time.getUTCFullYear() >= 1 && time.getUTCFullYear() <= 9999, 'a time between years 1 and 9999');

export const AssetKeyParams = z.object({
  layer: z.enum(['bronze', 'silver', 'gold']),
  name: z.string().min(1).max(200),
});

export const RunCursor = z
  .string()
  .max(200)
  .refine((cursor) => {
    try {
      decodeRunCursor(cursor);
      return true;
    } catch {
      return false;
    }
  }, 'not a runs cursor: pass back nextCursor of the previous page');

export const MetadataSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

const PartitionRangeSchema = z.object({ first: z.string(), last: z.string() });

export const RunSchema = z.object({
  id: z.string(),
  status: RunStatusSchema,
  trigger: RunTriggerSchema,
  selection: z.string(),
  partitionKey: z.string().nullable(),
  tags: z.record(z.string(), z.string()),
  runKey: z.string().nullable(),
  priority: z.number(),
  parentRunId: z.string().nullable(),
  maxRetries: z.number(),
  attempt: z.number(),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
  endedAt: z.date().nullable(),
  error: z.string().nullable(),
  workerId: z.string().nullable(),
  heartbeatAt: z.date().nullable(),
  pools: list(z.string()),
  cancelRequestedAt: z.date().nullable(),
  skipSteps: list(z.string()),
  partitionRange: PartitionRangeSchema.nullable().describe("a range run's first and last partition keys (its steps cover both and every key between; partitionKey is the last); null for a one-partition run"),
});

export const StepSchema = z.object({
  assetKey: z.string(),
  partitionKey: z.string().nullable(),
  status: StepStatusSchema,
  attempts: z.number(),
  startedAt: z.date().nullable(),
  endedAt: z.date().nullable(),
  durationMs: z.number().nullable(),
  error: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
});

export const StoredEventSchema = z.object({
  id: z.number().describe('Increases with every event; resume with `after`'),
  event: z
    .looseObject({ type: z.string(), runId: z.string(), at: z.date() })
    .describe('A run event: run:*, step:*, asset:materialized, check:evaluated or log, with its fields'),
});

export const EventsPageSchema = z.object({
  events: list(StoredEventSchema),
  hasOlder: z.boolean(),
  hasNewer: z.boolean(),
});

export const FreshnessSchema = z.object({
  objectiveSeconds: z.number().nullable(),
  lagSeconds: z.number().nullable(),
  stale: z.boolean().nullable(),
});

export const MaterializationSchema = z.object({
  eventId: z.number(),
  partitionKey: z.string().nullable(),
  runId: z.string(),
  at: z.date(),
  durationMs: z.number().nullable(),
  rows: z.number().nullable(),
  metadata: MetadataSchema,
});

export const LastRunSchema = z.object({
  id: z.string(),
  status: RunStatusSchema,
  createdAt: z.date(),
  partitionKey: z.string().nullable(),
  stepStatus: StepStatusSchema.nullable(),
});

const AssetNodeFields = {
  key: z.string(),
  layer: z.enum(['bronze', 'silver', 'gold']),
  description: z.string(),
  group: z.string().nullable().describe('The catalog group (`coingecko`, `marts`); null when the definition names none'),
  owners: list(z.string()).describe('E-mail addresses or team/user names'),
  partitions: z.enum(['six_hourly', 'daily']).nullable(),
  tags: z.record(z.string(), z.string()),
  pool: z.string().nullable(),
};

export const AssetSummarySchema = z.object({
  ...AssetNodeFields,
  upstream: list(z.string()),
  downstream: list(z.string()),
  latestMaterialization: MaterializationSchema.nullable(),
  freshness: FreshnessSchema,
  lastRun: LastRunSchema.nullable(),
});

export const AssetHealthSchema = z
  .enum(ASSET_HEALTHS)
  .describe('ok; stale: older than its freshness objective; failed: its last step failed after its last materialization; running; missing: never materialized');

/** Empty values mean "any": an HTML GET form sends every field. */
const blank = (value: unknown) => (value === '' ? undefined : value);

/** The catalog's filters, shared by `GET /api/v1/assets` and the `/assets` page. */
export const CatalogFilterQuery = z.object({
  q: z.preprocess(blank, z.string().max(200).optional()).describe('Part of the asset key, any case'),
  layer: z.preprocess(blank, z.enum(LAYERS).optional()),
  group: z.preprocess(blank, z.string().max(64).optional()).describe('Exact group'),
  owner: z.preprocess(blank, z.string().max(200).optional()).describe('Exact owner: an e-mail address or a team/user name'),
  status: z.preprocess(blank, AssetHealthSchema.optional()),
});

export const AssetListQuery = CatalogFilterQuery.extend({
  limit: QueryInt(1, MAX_ASSET_PAGE).default(ASSET_PAGE),
  offset: QueryInt(0, 1_000_000).default(0),
});

export const CatalogPageSchema = z.object({
  assets: list(AssetSummarySchema.extend({ health: AssetHealthSchema })),
  total: z.number().describe('Assets matching every filter'),
  counts: z.object(Object.fromEntries(ASSET_HEALTHS.map((health) => [health, z.number()])) as Record<AssetHealth, z.ZodNumber>).describe('Of the assets matching every filter but status, how many have each health'),
  limit: z.number(),
  offset: z.number(),
});

export const CheckResultSchema = z.object({
  assetKey: z.string(),
  partitionKey: z.string().nullable(),
  runId: z.string().nullable(),
  check: z.string(),
  severity: z.enum(['error', 'warn']),
  passed: z.boolean(),
  message: z.string().nullable(),
  metadata: MetadataSchema,
  at: z.date(),
});

export const CheckViewSchema = z.object({
  name: z.string(),
  severity: z.enum(['error', 'warn']),
  description: z.string(),
  latest: CheckResultSchema.nullable(),
});

export const PartitionStatusSchema = z.object({
  kind: z.enum(['six_hourly', 'daily']).nullable(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  partitions: list(
    z.object({
      partitionKey: z.string(),
      state: z.enum(['materialized', 'failed', 'missing']),
      materializedAt: z.date().nullable(),
      runId: z.string().nullable(),
    }),
  ),
  counts: z.object({ materialized: z.number(), failed: z.number(), missing: z.number() }),
});

export const AssetDetailSchema = AssetSummarySchema.extend({
  definition: z.object({
    key: z.string(),
    layer: z.enum(['bronze', 'silver', 'gold']),
    group: z.string().nullable(),
    owners: list(z.string()),
    description: z.string(),
    partitions: z.enum(['six_hourly', 'daily']).nullable(),
    deps: list(z.object({ name: z.string(), assetKey: z.string(), partitionMapping: z.string().nullable() })),
    checks: list(z.object({ name: z.string(), severity: z.enum(['error', 'warn']), description: z.string() })),
    freshnessObjectiveSeconds: z.number().nullable(),
    tags: z.record(z.string(), z.string()),
    pool: z.string().nullable(),
    servesPartitions: z.enum(PARTITIONS_SERVED).describe("'current': only the partition that contains now (a source with no history); 'any': every partition that has started"),
    maxRetries: z.number(),
    sql: z.object({ file: z.string(), text: z.string() }).nullable().describe("A SQL-file asset's file and whole text (header and query); null for an asset defined in code"),
  }),
  materializations: list(MaterializationSchema),
  partitionStatus: PartitionStatusSchema,
  checks: list(CheckViewSchema),
});

export const GraphSchema = z.object({
  nodes: list(
    z.object({
      ...AssetNodeFields,
      latestMaterializationAt: z.date().nullable(),
      stale: z.boolean().nullable(),
      lastRunId: z.string().nullable(),
      lastRunStatus: RunStatusSchema.nullable(),
      lastStepStatus: StepStatusSchema.nullable(),
    }),
  ),
  edges: list(z.object({ from: z.string(), to: z.string() })),
});

export const TickSchema = z.object({
  id: z.number(),
  scheduleName: z.string(),
  tickAt: z.date(),
  evaluatedAt: z.date(),
  status: z.enum(['SUCCESS', 'SKIPPED', 'FAILURE']),
  runId: z.string().nullable(),
  reason: z.string().nullable(),
  error: z.string().nullable(),
});

export const ScheduleSummarySchema = z.object({
  name: z.string(),
  cron: z.string(),
  timezone: z.string(),
  cronDescription: z.string(),
  overridden: z.object({ cron: z.string().optional(), timezone: z.string().optional(), maxRetries: z.number().optional() }).nullable(),
  enabled: z.boolean(),
  selection: z.string(),
  description: z.string(),
  catchUp: z.enum(['latest', 'all']),
  maxCatchup: z.number().int().min(1).max(MAX_CATCHUP_LIMIT),
  runRetries: z
    .object({
      maxRetries: z.number().int().min(0).max(MAX_RUN_RETRIES),
      source: z.enum(['schedule', 'override', 'default']).describe('Where maxRetries comes from: the schedule in code, STRATA_SCHEDULE_<NAME>_MAX_RETRIES, or STRATA_RUN_MAX_RETRIES'),
    })
    .describe('The run-retry policy of the runs this schedule queues (worker lost)'),
  nextTicks: list(z.date()),
  latestTick: TickSchema.nullable(),
});

export const ScheduleDetailSchema = ScheduleSummarySchema.extend({
  cursor: z.date().nullable(),
  tickCounts: z.object({ SUCCESS: z.number(), SKIPPED: z.number(), FAILURE: z.number() }),
  ticks: list(TickSchema),
  nextBefore: z.date().nullable(),
});

const RunCountsSchema = z.object(Object.fromEntries(RUN_STATUSES.map((status) => [status, z.number()])) as Record<(typeof RUN_STATUSES)[number], z.ZodNumber>);

export const BackfillSummarySchema = z.object({
  id: z.string(),
  selection: z.string(),
  partitionsKind: z.string(),
  partitionFrom: z.string(),
  partitionTo: z.string(),
  chunkSize: z.number(),
  status: z.enum(['REQUESTED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELED']),
  createdAt: z.date(),
  updatedAt: z.date(),
  runCounts: RunCountsSchema,
  partitions: z.object({
    total: z.number(),
    skipped: z.number(),
    pending: z.number(),
    succeeded: z.number(),
    failed: z.number(),
    canceled: z.number(),
  }),
  percentDone: z.number(),
  percentSucceeded: z.number(),
});

export const BackfillViewSchema = BackfillSummarySchema.extend({
  skipped: list(z.object({ partition: z.string(), reason: z.string() })),
  latestRuns: list(
    z.object({
      id: z.string(),
      partitionKey: z.string(),
      status: RunStatusSchema,
      trigger: RunTriggerSchema,
      runKey: z.string().nullable(),
      selection: z.string(),
      attempt: z.number(),
      createdAt: z.date(),
      partitionRange: PartitionRangeSchema.nullable(),
    }),
  ),
});

export const MartValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null(), z.date()]);
