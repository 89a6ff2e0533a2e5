/** Public API of Strata's storage. */
export { openDatabase, type DatabaseEngine, type DatabaseLogger, type OpenDatabaseOptions, type StrataDatabase } from './database.js';
export { PglitePool } from './pglite-pool.js';
export { ALWAYS_AVAILABLE, availabilityOf, type DatabaseAvailability } from './database-availability.js';
export { isConnectionError } from './connection-errors.js';
export { migrateToLatest, pendingMigrations, type MigrateOptions, type MigrateResult } from './migrate.js';
export { sqlFileMigrationProvider } from './sql-file-migrations.js';
export { coreMigrationProvider, CORE_MIGRATION_TABLE } from './migrations/index.js';
export { RunStorage } from './run-storage.js';
export {
  createRun,
  getRun,
  listRuns,
  setRunStatus,
  type CreateRunInput,
  type ListRunsOptions,
  type Run,
  type RunPage,
  type SetRunStatusOptions,
} from './runs.js';
export { recordEvent, recordEvents, eventsForRun, type EventsForRunOptions, type StoredEvent } from './event-log.js';
export { latestMaterialization, listMaterializations, type Materialization } from './materializations.js';
export { failingCheckResults, latestCheckResults, recentCheckValues, type StoredCheckResult } from './check-results.js';
export { canTransition, isTerminalRunStatus, RUN_STATUSES } from './run-status.js';
export { IllegalRunTransitionError, MigrationError, RunNotFoundError } from './errors.js';
export { TEXT_PARSERS, pgTypeOverrides, PG_TYPE_OIDS } from './type-parsers.js';
export type { CheckResultsTable, Database, EventLevel, EventsTable, MaterializationsTable, RunsTable, StepsTable } from './schema.js';
export type { SqlSession, SqlSessionRunner } from './sql-session.js';
export { csvLine, csvField, type CsvValue } from './csv.js';
export { stepsForRun, type Step } from './steps.js';
export { claimRuns, queueDepth, CLAIM_LOCK_KEY, type ClaimLimits, type ClaimOptions } from './run-queue.js';
export {
  heartbeatProcess,
  listProcesses,
  markProcessStopped,
  recordLoopResult,
  registerProcess,
  type ProcessInfo,
  type ProcessKind,
} from './processes.js';
export type { LoopStatus, ProcessesTable } from './schema.js';
export {
  advanceScheduleCursor,
  ensureScheduleState,
  getScheduleState,
  listScheduleStates,
  setScheduleEnabled,
  type ScheduleState,
} from './schedules.js';
export { claimTick, countTicks, failTick, latestTicks, listTicks, setTickRun, toTick, type ClaimTickInput, type ListTicksOptions, type Tick } from './ticks.js';
export { TICK_STATUSES, type TickStatus } from './schedule-tables.js';
