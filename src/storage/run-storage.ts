/**
 * One object over the storage functions, for code that wants to be handed "the run
 * storage" (daemon, executor, server) rather than a database. Each method is the function
 * of the same name in runs.ts, event-log.ts or materializations.ts.
 */
import type { Kysely } from 'kysely';
import type { AssetKey, RunEvent, RunStatus } from '../core/types.js';
import { type EventsForRunOptions, type StoredEvent, eventsForRun, recordEvent } from './event-log.js';
import { type Materialization, latestMaterialization, listMaterializations } from './materializations.js';
import {
  type CreateRunInput,
  type ListRunsOptions,
  type Run,
  type RunPage,
  type SetRunStatusOptions,
  createRun,
  getRun,
  listRuns,
  setRunStatus,
} from './runs.js';
import type { Database } from './schema.js';

export class RunStorage {
  readonly db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  createRun(input: CreateRunInput): Promise<Run> {
    return createRun(this.db, input);
  }

  getRun(runId: string): Promise<Run | undefined> {
    return getRun(this.db, runId);
  }

  listRuns(options?: ListRunsOptions): Promise<RunPage> {
    return listRuns(this.db, options);
  }

  setRunStatus(runId: string, to: RunStatus, options?: SetRunStatusOptions): Promise<Run> {
    return setRunStatus(this.db, runId, to, options);
  }

  recordEvent(event: RunEvent): Promise<number> {
    return recordEvent(this.db, event);
  }

  eventsForRun(runId: string, options?: EventsForRunOptions): Promise<StoredEvent[]> {
    return eventsForRun(this.db, runId, options);
  }

  latestMaterialization(assetKey: AssetKey, partitionKey: string | null): Promise<Materialization | undefined> {
    return latestMaterialization(this.db, assetKey, partitionKey);
  }

  listMaterializations(assetKey: AssetKey, limit?: number): Promise<Materialization[]> {
    return listMaterializations(this.db, assetKey, limit);
  }
}
