/**
 * Strata's public API: what `import … from 'strata'` gives a project (and what the shipped
 * crypto pipeline, src/pipeline/, imports: it is the first user of this API). Everything else
 * under src/ is internal and may change; this list is documented in README "Your own assets".
 *
 * - Definitions: defineAsset, many, defineCheck, defineSchedule, defineSensor, defineDefinitions, and the
 *   `automation` conditions an asset may declare (eager, onCron, missing, and, or, not).
 * - Partitions and mappings: sixHourlyPartitions, dailyPartitions, dailyToSixHourly, identityMapping.
 * - Errors that classify failures: RetryableError (another attempt may succeed), ValidationError.
 * - What assets use: the database and bronze store types, COPY helpers, rate limiters shared by
 *   every process, check history for anomaly checks, an injectable clock.
 */
import './definitions/base-resources.js';

export { defineAsset, many, DEFAULT_RETRY } from './core/asset.js';
export type { AnyAsset, AssetCode, AssetDefinition, AssetSpec, BackfillPolicy, DepsSpec, FreshnessPolicy, InputsOf, ManyDep, ManyDepOptions, PartitionMapping } from './core/asset.js';
export { automation } from './core/automation/condition.js';
export type { AutomationCondition, OnCronOptions } from './core/automation/condition.js';
export { defineCheck, CHECK_SEVERITIES } from './core/check.js';
export type { AssetCheck, AssetCheckSpec, CheckContext, CheckResult, CheckSeverity } from './core/check.js';
export { defineSchedule } from './core/schedule.js';
export { defineSensor, DEFAULT_SENSOR_INTERVAL_SECONDS } from './core/sensor.js';
export type { SensorContext, SensorDefinition, SensorResult, SensorRun, SensorRunRequest, SensorSpec, SensorStatus } from './core/sensor.js';
export { defineRunStatusSensor, RUN_OUTCOMES } from './core/run-status-sensor.js';
export type {
  AnySensor,
  EndedRun,
  FailedCheck,
  FailedStep,
  RunOutcome,
  RunStatusSensorContext,
  RunStatusSensorDefinition,
  RunStatusSensorSpec,
} from './core/run-status-sensor.js';
export type { CatchUpPolicy, ScheduleDefinition, ScheduleSpec } from './core/schedule.js';
export { dailyPartitions, dailyToSixHourly, identityMapping, sixHourlyPartitions } from './core/partitions.js';
export type { PartitionsServed } from './core/servable-partitions.js';
export { DefinitionError, RetryableError, StrataError, ValidationError, describeError, isRetryable } from './core/errors.js';
export { assessAnomaly } from './core/anomaly.js';
export type { AnomalyAssessment, AnomalyOptions } from './core/anomaly.js';
export { backoffDelay } from './core/retry.js';
export { ManualClock, systemClock } from './core/clock.js';
export type {
  AssetContext,
  AssetKey,
  Clock,
  Layer,
  MaterializeResult,
  Metadata,
  MetadataValue,
  PartitionRange,
  PartitionWindow,
  PartitionsDefinition,
  Resources,
  RetryPolicy,
  RunInfo,
  RunStatus,
  StepLogger,
} from './core/types.js';

export { defineDefinitions } from './definitions/definitions.js';
export type {
  Definitions,
  DefinitionsContext,
  DefinitionsSpec,
  MigrationFolder,
  ResourceContext,
  ResourcesFactory,
} from './definitions/definitions.js';
export type { BaseResources } from './definitions/base-resources.js';

export type { StrataDatabase } from './storage/database.js';
export type { SqlSession } from './storage/sql-session.js';
export type { BronzeStore } from './storage/bronze/index.js';
export { csvField, csvLine } from './storage/csv.js';
/** kysely's tagged template: `await sql\`SELECT … WHERE snapshot_at = ${start}\`.execute(ctx.resources.database.db)` binds every value. */
export { sql } from 'kysely';
export { recentCheckValues } from './storage/check-results.js';
export { createDatabaseRateLimiter } from './rate-limit/database-rate-limiter.js';
export type { DatabaseRateLimiterOptions } from './rate-limit/database-rate-limiter.js';
export { createRateLimiter } from './rate-limit/rate-limiter.js';
export type { RateLimiter, RateLimiterOptions } from './rate-limit/rate-limiter.js';
export type { Config } from './config.js';
export type { Logger } from './logger.js';
export type { TelemetryBus, TelemetryEvent } from './metrics/telemetry.js';
