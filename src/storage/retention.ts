/**
 * Retention queries: each deletes one bounded batch of history older than a cut-off, in one
 * transaction, and returns how many rows it deleted per table. The caller loops until a batch
 * comes back short (daemon/retention.ts).
 *
 * The cut-off is exclusive: a row exactly at the cut-off is kept, only older rows go.
 * `strata.materializations` is never deleted here: it is the latest state of each asset
 * partition; its run_id and event_id become NULL with the run (migration 0005).
 */
import type { Kysely } from 'kysely';
import { RUN_STATUSES, isTerminalRunStatus } from './run-status.js';
import { automationDb } from './automation-tables.js';
import { backfillDb } from './backfills.js';
import { scheduleDb } from './schedule-tables.js';
import { sensorDb } from './sensor-tables.js';
import type { Database } from './schema.js';

/** Runs in these statuses are never purged, however old: a worker or the queue still owns them. */
export const TERMINAL_RUN_STATUSES = RUN_STATUSES.filter(isTerminalRunStatus);

export interface PurgedRuns {
  readonly runs: number;
  readonly steps: number;
  readonly events: number;
}

/**
 * Deletes up to `limit` terminal runs that ended before `cutoff` (a terminal run with no
 * `ended_at` counts from `created_at`), with their steps and events. Events and steps are
 * deleted explicitly first, though the FKs cascade, so the counts are known. Rows another
 * process is deleting (locked) are skipped, not waited for.
 */
export async function purgeRunBatch(db: Kysely<Database>, cutoff: Date, limit: number): Promise<PurgedRuns> {
  return db.transaction().execute(async (trx) => {
    const batch = await trx
      .selectFrom('strata.runs')
      .select('id')
      .where('status', 'in', TERMINAL_RUN_STATUSES)
      .where((eb) => eb(eb.fn.coalesce('ended_at', 'created_at'), '<', cutoff))
      // Implied by the line above (a run ends after it is created); lets runs_created_at_idx serve the scan.
      .where('created_at', '<', cutoff)
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    const ids = batch.map((row) => row.id);
    if (ids.length === 0) return { runs: 0, steps: 0, events: 0 };
    const events = await trx.deleteFrom('strata.events').where('run_id', 'in', ids).executeTakeFirst();
    const steps = await trx.deleteFrom('strata.steps').where('run_id', 'in', ids).executeTakeFirst();
    const runs = await trx.deleteFrom('strata.runs').where('id', 'in', ids).executeTakeFirst();
    return { runs: Number(runs.numDeletedRows), steps: Number(steps.numDeletedRows), events: Number(events.numDeletedRows) };
  });
}

/** Deletes up to `limit` ticks whose tick time is before `cutoff`. The schedule cursors are kept, so no tick is evaluated again. */
export async function purgeTickBatch(db: Kysely<Database>, cutoff: Date, limit: number): Promise<number> {
  const sdb = scheduleDb(db);
  const result = await sdb
    .deleteFrom('strata.ticks')
    .where('id', 'in', sdb.selectFrom('strata.ticks').select('id').where('tick_at', '<', cutoff).orderBy('tick_at').limit(limit))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Deletes up to `limit` processes that ended before `cutoff`: stopped then, or silent since
 * (a process that crashed never sets `stopped_at`; stopping also sets `heartbeat_at`).
 */
export async function purgeProcessBatch(db: Kysely<Database>, cutoff: Date, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('strata.processes')
    .where(
      'id',
      'in',
      db
        .selectFrom('strata.processes')
        .select('id')
        .where((eb) => eb(eb.fn.coalesce('stopped_at', 'heartbeat_at'), '<', cutoff))
        .limit(limit),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Deletes up to `limit` backfills created before `cutoff` that have no run left: their progress
 * is derived from their runs, so once those are purged the backfill would read as an empty,
 * COMPLETED one. A backfill with any run left (an in-flight run is never purged) is kept.
 */
export async function purgeBackfillBatch(db: Kysely<Database>, cutoff: Date, limit: number): Promise<number> {
  const bdb = backfillDb(db);
  const result = await bdb
    .deleteFrom('strata.backfills')
    .where(
      'id',
      'in',
      bdb
        .selectFrom('strata.backfills as b')
        .select('b.id')
        .where('b.created_at', '<', cutoff)
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('strata.runs as r').select('r.id').whereRef('r.backfill_id', '=', 'b.id'))))
        .limit(limit),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Deletes up to `limit` check results evaluated before `cutoff` that are not the newest result
 * of their asset's check: "latest results of this asset's checks" survive any retention, as
 * materializations do, while the history of older evaluations goes with its runs.
 */
export async function purgeCheckResultBatch(db: Kysely<Database>, cutoff: Date, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('strata.check_results')
    .where(
      'id',
      'in',
      db
        .selectFrom('strata.check_results as old')
        .select('old.id')
        .where('old.evaluated_at', '<', cutoff)
        .where(({ exists, selectFrom }) =>
          exists(
            selectFrom('strata.check_results as newer')
              .select('newer.id')
              .whereRef('newer.asset_key', '=', 'old.asset_key')
              .whereRef('newer.check_name', '=', 'old.check_name')
              .where((eb) => eb(eb.refTuple('newer.evaluated_at', 'newer.id'), '>', eb.refTuple('old.evaluated_at', 'old.id'))),
          ),
        )
        .orderBy('old.evaluated_at')
        .limit(limit),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Partition keys that have a QUEUED, STARTING or STARTED run: their bronze may be being written or read. */
export async function inFlightPartitionKeys(db: Kysely<Database>): Promise<Set<string>> {
  const rows = await db
    .selectFrom('strata.runs')
    .select('partition_key')
    .distinct()
    .where('status', 'not in', TERMINAL_RUN_STATUSES)
    .where('partition_key', 'is not', null)
    .execute();
  return new Set(rows.flatMap((row) => (row.partition_key === null ? [] : [row.partition_key])));
}

export interface PurgedAutomation {
  readonly results: number;
  readonly evaluations: number;
}

/**
 * Deletes up to `limit` automation result changes and up to `limit` evaluations recorded
 * before `cutoff`. A partition's current result lives in `automation_partitions` and stays.
 */
export async function purgeAutomationBatch(db: Kysely<Database>, cutoff: Date, limit: number): Promise<PurgedAutomation> {
  const adb = automationDb(db);
  return db.transaction().execute(async (trx) => {
    const tdb = automationDb(trx);
    const results = await tdb
      .deleteFrom('strata.automation_results')
      .where('id', 'in', adb.selectFrom('strata.automation_results').select('id').where('evaluated_at', '<', cutoff).orderBy('evaluated_at').limit(limit))
      .executeTakeFirst();
    const evaluations = await tdb
      .deleteFrom('strata.automation_evaluations')
      .where('id', 'in', adb.selectFrom('strata.automation_evaluations').select('id').where('started_at', '<', cutoff).orderBy('started_at').limit(limit))
      .executeTakeFirst();
    return { results: Number(results.numDeletedRows), evaluations: Number(evaluations.numDeletedRows) };
  });
}

/**
 * Deletes up to `limit` sensor evaluations that started before `cutoff`, never a sensor's latest:
 * "what did this sensor last decide" survives any retention, as a check's latest result does.
 */
export async function purgeSensorEvaluationBatch(db: Kysely<Database>, cutoff: Date, limit: number): Promise<number> {
  const sdb = sensorDb(db);
  const result = await sdb
    .deleteFrom('strata.sensor_evaluations')
    .where(
      'id',
      'in',
      sdb
        .selectFrom('strata.sensor_evaluations as old')
        .select('old.id')
        .where('old.started_at', '<', cutoff)
        .where(({ exists, selectFrom }) =>
          exists(
            selectFrom('strata.sensor_evaluations as newer')
              .select('newer.id')
              .whereRef('newer.sensor_name', '=', 'old.sensor_name')
              .whereRef('newer.id', '>', 'old.id'),
          ),
        )
        .orderBy('old.started_at')
        .limit(limit),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Deletes up to `limit` rows of the run-status sensors' handled set whose run ended before
 * `cutoff`: far behind any sensor's look-back window, and the runs themselves go at that age.
 */
export async function purgeHandledRunBatch(db: Kysely<Database>, cutoff: Date, limit: number): Promise<number> {
  const sdb = sensorDb(db);
  const old = await sdb
    .selectFrom('strata.run_status_sensor_runs')
    .select(['sensor_name', 'run_id'])
    .where('run_ended_at', '<', cutoff)
    .orderBy('run_ended_at')
    .limit(limit)
    .execute();
  if (old.length === 0) return 0;
  const result = await sdb
    .deleteFrom('strata.run_status_sensor_runs')
    .where((eb) => eb(eb.refTuple('sensor_name', 'run_id'), 'in', old.map((row) => eb.tuple(row.sensor_name, row.run_id))))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
