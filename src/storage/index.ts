/** Public API of Strata's storage. */
export { openDatabase, type StrataDatabase } from './database.js';
export { migrateToLatest, pendingMigrations, type MigrateOptions } from './migrate.js';
export { EmbeddedOwnerUnavailableError } from './embedded/embedded-pool.js';
export { availabilityOf, type DatabaseAvailability } from './database-availability.js';
export { isConnectionError } from './connection-errors.js';
export { sqlFileMigrationProvider } from './sql-file-migrations.js';
export { coreMigrationProvider } from './migrations/index.js';
export { RunStorage } from './run-storage.js';
export {
  createRun,
  createRuns,
  getRun,
  listRuns,
  setRunStatus,
  type CreateRunInput,
  type ListRunsOptions,
  type Run,
  type RunPage,
} from './runs.js';
export { recordEvent, recordEvents, eventsForRun, type StoredEvent } from './event-log.js';
export { directEventWriter, groupCommitEventWriter, type EventWriter } from './event-group-commit.js';
export { latestMaterialization, listMaterializations } from './materializations.js';
export { failingCheckResults, latestCheckResults, type StoredCheckResult } from './check-results.js';
export { isTerminalRunStatus, RUN_STATUSES } from './run-status.js';
export { IllegalRunTransitionError, MigrationError, RunNotFoundError } from './errors.js';
export type { Database } from './schema.js';
export type { SqlSession } from './sql-session.js';
export { csvField } from './csv.js';
export { stepsForRun, type Step } from './steps.js';
export { claimRuns, queueDepth, type ClaimLimits } from './run-queue.js';
export { releasePoolSlot, tryAcquirePoolSlot, type PoolSlot } from './pool-slots.js';
export {
  heartbeatProcess,
  listProcesses,
  markProcessStopped,
  recordDefinitionsReload,
  recordLoopResult,
  registerProcess,
  type ProcessInfo,
  type ProcessKind,
} from './processes.js';
export {
  getScheduleState,
  listScheduleStates,
  setScheduleEnabled,
} from './schedules.js';
export { countTicks, latestTicks, toTick, type Tick } from './ticks.js';
export { type TickStatus } from './schedule-tables.js';
