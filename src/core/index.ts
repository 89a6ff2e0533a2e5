export type { AnyAsset, AssetCode, AssetDefinition, AssetSpec, DepsSpec, InputsOf, ManyDep, ManyDepOptions, PartitionMapping } from './asset.js';
export { DEFAULT_RETRY, defineAsset, depAsset, depMapping, isManyDep, many } from './asset.js';
export { CHECK_SEVERITIES, defineCheck } from './check.js';
export type { AssetCheck, AssetCheckSpec, CheckContext, CheckResult, CheckSeverity } from './check.js';
export type { CheckOutcome } from './run-checks.js';
export { ManualClock, systemClock } from './clock.js';
export type { PendingSleep } from './clock.js';
export {
  AssetMaterializationError,
  DefinitionError,
  InvalidPartitionKeyError,
  InvalidSelectionError,
  PartitionNotServableError,
  RetryableError,
  RunCanceledError,
  StepInputError,
  StrataError,
  ValidationError,
  describeError,
  isRetryable,
} from './errors.js';
export { RunEventBus } from './events.js';
export type { RunEventBusOptions, RunEventListener } from './events.js';
export { executeRun, planRun } from './executor.js';
export type { ExecuteRunOptions, PlannedStep, RunResult, StepResult } from './executor.js';
export { buildGraph, compareAssetKeys, getAsset } from './graph.js';
export type { AssetEdge, AssetGraph, AssetNode } from './graph.js';
export {
  MAX_PARTITION_KEYS,
  dailyPartitions,
  dailyToSixHourly,
  identityMapping,
  partitionsByKind,
  sixHourlyPartitions,
} from './partitions.js';
export type { PartitionsKind } from './partitions.js';
export { assetsForPartitionKey } from './partition-selection.js';
export { PARTITIONS_SERVED, findUnservableStep } from './servable-partitions.js';
export type { PartitionsServed, UnservablePartition } from './servable-partitions.js';
export { backoffDelay } from './retry.js';
export { select } from './selection.js';
export { cronTimes, isKnownTimeZone } from './cron.js';
export type { CronTimes } from './cron.js';
export { CATCH_UP_POLICIES, MAX_CATCHUP_LIMIT, applyScheduleOverrides, assertUniqueScheduleNames, defineSchedule } from './schedule.js';
export type { CatchUpPolicy, ScheduleDefinition, ScheduleOverrides, ScheduleSpec } from './schedule.js';
export type { LoadInput } from './step-inputs.js';
export { describeStep, stepKey } from './step-key.js';
export { LAYERS } from './types.js';
export type {
  AssetContext,
  AssetKey,
  Clock,
  Layer,
  MaterializeResult,
  Metadata,
  MetadataValue,
  PartitionWindow,
  PartitionsDefinition,
  Resources,
  RetryPolicy,
  RunEvent,
  RunEventType,
  RunStatus,
  RunTrigger,
  StepLogger,
  StepStatus,
} from './types.js';
