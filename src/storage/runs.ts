/** Runs: create (idempotent per run_key), read, list newest first, and status changes. */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { PartitionRangeKeys } from '../core/partition-range.js';
import type { RunStatus, RunTrigger } from '../core/types.js';
import { ValidationError } from '../core/errors.js';
import { IllegalRunTransitionError, RunNotFoundError } from './errors.js';
import { isTerminalRunStatus, statusesLeadingTo } from './run-status.js';
import type { Database, RunsTable } from './schema.js';

export interface Run {
  readonly id: string;
  readonly status: RunStatus;
  readonly trigger: RunTrigger;
  readonly selection: string;
  readonly partitionKey: string | null;
  readonly tags: Readonly<Record<string, string>>;
  readonly runKey: string | null;
  readonly priority: number;
  readonly parentRunId: string | null;
  readonly maxRetries: number;
  readonly attempt: number;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly endedAt: Date | null;
  readonly error: string | null;
  readonly workerId: string | null;
  readonly heartbeatAt: Date | null;
  /** Named pools the run holds while STARTING/STARTED (asset.pool of its assets). */
  readonly pools: readonly string[];
  readonly cancelRequestedAt: Date | null;
  /** stepKey()s this run skips because they succeeded in its parent chain. */
  readonly skipSteps: readonly string[];
  /** A range run's first and last keys (its steps cover both and every key between); null otherwise. */
  readonly partitionRange: PartitionRangeKeys | null;
}

export interface CreateRunInput {
  readonly selection: string;
  readonly partitionKey?: string | null;
  readonly trigger: RunTrigger;
  readonly tags?: Readonly<Record<string, string>>;
  /** Unique: a second createRun with the same key returns the first run. */
  readonly runKey?: string | null;
  readonly maxRetries?: number;
  readonly priority?: number;
  readonly parentRunId?: string | null;
  readonly attempt?: number;
  readonly pools?: readonly string[];
  readonly skipSteps?: readonly string[];
  /** A range run: `partitionKey` must be `partitionRange.last`. */
  readonly partitionRange?: PartitionRangeKeys | null;
  /**
   * The assets the selection resolves to, recorded in strata.run_assets with the run (the runs
   * list's asset filter). Omitted: a run with a parent copies the parent's, else none.
   */
  readonly assetKeys?: readonly string[];
}

export function toRun(row: Selectable<RunsTable>): Run {
  return {
    id: row.id,
    status: row.status,
    trigger: row.trigger,
    selection: row.selection,
    partitionKey: row.partition_key,
    tags: row.tags,
    runKey: row.run_key,
    priority: row.priority,
    parentRunId: row.parent_run_id,
    maxRetries: row.max_retries,
    attempt: row.attempt,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    error: row.error,
    workerId: row.worker_id,
    heartbeatAt: row.heartbeat_at,
    pools: row.pools,
    cancelRequestedAt: row.cancel_requested_at,
    skipSteps: row.skip_steps,
    partitionRange:
      row.partition_range_start === null || row.partition_range_end === null ? null : { first: row.partition_range_start, last: row.partition_range_end },
  };
}

/** The columns of a new run, as createRun and createRuns insert them. */
function runRow(input: CreateRunInput) {
  return {
    selection: input.selection,
    partition_key: input.partitionKey ?? null,
    trigger: input.trigger,
    tags: JSON.stringify(input.tags ?? {}),
    run_key: input.runKey ?? null,
    max_retries: input.maxRetries ?? 0,
    priority: input.priority ?? 0,
    parent_run_id: input.parentRunId ?? null,
    attempt: input.attempt ?? 1,
    pools: [...(input.pools ?? [])],
    skip_steps: [...(input.skipSteps ?? [])],
    partition_range_start: input.partitionRange?.first ?? null,
    partition_range_end: input.partitionRange?.last ?? null,
  };
}

/**
 * Creates a QUEUED run and its run_assets rows, in one transaction. With a `runKey` that already
 * exists, returns the existing run instead: a schedule tick evaluated twice (restart, two
 * daemons) still makes one run.
 */
export async function createRun(db: Kysely<Database>, input: CreateRunInput): Promise<Run> {
  if (!db.isTransaction) return db.transaction().execute((trx) => createRun(trx, input));
  const inserted = await db
    .insertInto('strata.runs')
    .values(runRow(input))
    // DO NOTHING (not DO UPDATE) so the existing run is left exactly as it was.
    .onConflict((oc) => oc.column('run_key').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted !== undefined) {
    const run = toRun(inserted);
    await recordRunAssets(db, run, input);
    return run;
  }
  const existing = await db.selectFrom('strata.runs').selectAll().where('run_key', '=', input.runKey ?? null).executeTakeFirst();
  if (existing === undefined) throw new Error(`createRun: run_key ${input.runKey} conflicted but no run has it`);
  return toRun(existing);
}

/**
 * Creates several QUEUED runs with their run_assets rows in two statements, whatever their
 * number of assets: one automation evaluation may request 100 runs of 480 assets each, which
 * one createRun at a time would make 200 round trips. Like createRun, a run whose `runKey`
 * exists already is returned as it was. Returns the runs in the order of `inputs`.
 */
export async function createRuns(db: Kysely<Database>, inputs: readonly (CreateRunInput & { readonly assetKeys: readonly string[] })[]): Promise<Run[]> {
  if (inputs.length === 0) return [];
  if (!db.isTransaction) return db.transaction().execute((trx) => createRuns(trx, inputs));
  const ids = inputs.map(() => randomUUID());
  const inserted = await db
    .insertInto('strata.runs')
    .values(
      inputs.map((input, i) => ({ id: ids[i] as string, ...runRow(input) })),
    )
    .onConflict((oc) => oc.column('run_key').doNothing())
    .returningAll()
    .execute();
  const byId = new Map(inserted.map((row) => [row.id, toRun(row)]));
  const runIds: string[] = [];
  const assetKeys: string[] = [];
  inputs.forEach((input, i) => {
    if (!byId.has(ids[i] as string)) return;
    for (const key of new Set(input.assetKeys)) {
      runIds.push(ids[i] as string);
      assetKeys.push(key);
    }
  });
  if (assetKeys.length > 0) {
    await sql`
      INSERT INTO strata.run_assets (run_id, asset_key, created_at)
      SELECT a.run_id, a.asset_key, r.created_at
      FROM unnest(${runIds}::uuid[], ${assetKeys}::text[]) AS a(run_id, asset_key) JOIN strata.runs r ON r.id = a.run_id`.execute(db);
  }
  const conflicted = inputs.filter((_, i) => !byId.has(ids[i] as string)).map((input) => input.runKey ?? null);
  const existing = new Map<string, Run>();
  if (conflicted.length > 0) {
    const keys = conflicted.filter((key): key is string => key !== null);
    const rows = keys.length === 0 ? [] : await db.selectFrom('strata.runs').selectAll().where('run_key', 'in', keys).execute();
    for (const row of rows) existing.set(row.run_key as string, toRun(row));
  }
  return inputs.map((input, i) => {
    const run = byId.get(ids[i] as string) ?? existing.get(input.runKey ?? '');
    if (run === undefined) throw new Error(`createRuns: run_key ${input.runKey} conflicted but no run has it`);
    return run;
  });
}

async function recordRunAssets(trx: Kysely<Database>, run: Run, input: CreateRunInput): Promise<void> {
  if (input.assetKeys !== undefined) {
    const keys = [...new Set(input.assetKeys)];
    if (keys.length === 0) return;
    await trx
      .insertInto('strata.run_assets')
      .values(keys.map((assetKey) => ({ run_id: run.id, asset_key: assetKey, created_at: run.createdAt })))
      .execute();
    return;
  }
  // Retries and re-executions repeat their parent's selection.
  if (input.parentRunId === undefined || input.parentRunId === null) return;
  await trx
    .insertInto('strata.run_assets')
    .columns(['run_id', 'asset_key', 'created_at'])
    .expression((eb) =>
      eb
        .selectFrom('strata.run_assets')
        .select([eb.val(run.id).as('run_id'), 'asset_key', eb.val(run.createdAt).as('created_at')])
        .where('run_id', '=', run.parentRunId ?? ''),
    )
    .execute();
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function getRun(db: Kysely<Database>, runId: string): Promise<Run | undefined> {
  // An id that is not a uuid cannot exist; asking Postgres would raise a cast error instead.
  if (!UUID_PATTERN.test(runId)) return undefined;
  const row = await db.selectFrom('strata.runs').selectAll().where('id', '=', runId).executeTakeFirst();
  return row === undefined ? undefined : toRun(row);
}

export interface ListRunsOptions {
  readonly status?: RunStatus | readonly RunStatus[];
  /** Only runs that selected this asset (strata.run_assets). */
  readonly assetKey?: string;
  readonly trigger?: RunTrigger;
  /** Created at or after. */
  readonly from?: Date;
  /** Created before. */
  readonly to?: Date;
  /** Default 50, at most 1000. */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly before?: string;
}

export interface RunPage {
  readonly runs: readonly Run[];
  /** Pass as `before` for the next (older) page; undefined on the last page. */
  readonly nextCursor: string | undefined;
}

/** Keyset cursor: the (created_at, id) of the last run on the page. */
function encodeCursor(run: Run): string {
  return `${run.createdAt.toISOString()}_${run.id}`;
}

export function decodeRunCursor(cursor: string): { createdAt: Date; id: string } {
  const [iso, id, extra] = cursor.split('_');
  const createdAt = new Date(iso ?? '');
  if (extra !== undefined || id === undefined || !UUID_PATTERN.test(id) || Number.isNaN(createdAt.getTime())) {
    throw new ValidationError(`invalid run cursor '${cursor.slice(0, 100)}': pass back the nextCursor of the previous page`);
  }
  return { createdAt, id };
}

/**
 * Newest first, keyset-paginated on (created_at, id): no gaps or duplicates while runs are added.
 * Each filter has an index that starts with it and continues (created_at DESC, id DESC): status
 * (runs_status_created_at_idx), trigger (runs_trigger_created_at_idx), asset
 * (run_assets_asset_created_idx); a time range narrows any of them. See runsOfAsset for the asset
 * filter combined with the others.
 */
export async function listRuns(db: Kysely<Database>, options: ListRunsOptions = {}): Promise<RunPage> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 1000);
  const statuses = options.status === undefined ? [] : [...new Set([options.status].flat())];
  const cursor = options.before === undefined ? undefined : decodeRunCursor(options.before);
  const rows =
    options.assetKey === undefined
      ? await runsByCreatedAt(db, options, statuses, cursor, limit + 1)
      : await runsOfAsset(db, options.assetKey, options, statuses, cursor, limit + 1);
  const runs = rows.slice(0, limit).map(toRun);
  const last = runs.at(-1);
  return { runs, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last) : undefined };
}

type Cursor = { createdAt: Date; id: string } | undefined;

/** Runs read from their own indexes; with `assetKey`, only those that selected the asset (run_assets primary key). */
function runsByCreatedAt(db: Kysely<Database>, options: ListRunsOptions, statuses: readonly RunStatus[], cursor: Cursor, take: number) {
  const page = (status: RunStatus | undefined) => {
    let query = db.selectFrom('strata.runs').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(take);
    if (status !== undefined) query = query.where('status', '=', status);
    if (options.trigger !== undefined) query = query.where('trigger', '=', options.trigger);
    if (options.from !== undefined) query = query.where('created_at', '>=', options.from);
    if (options.to !== undefined) query = query.where('created_at', '<', options.to);
    if (cursor !== undefined) query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(cursor.createdAt, cursor.id)));
    const assetKey = options.assetKey;
    if (assetKey !== undefined) {
      query = query.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('strata.run_assets as ra')
            .select('ra.run_id')
            .whereRef('ra.run_id', '=', 'strata.runs.id')
            .where('ra.asset_key', '=', assetKey),
        ),
      );
    }
    return query;
  };
  const [only, ...more] = statuses;
  if (more.length === 0) return page(only).execute();
  // Several statuses: one index range per status (runs_status_created_at_idx), merged. A single
  // `status IN (…)` would walk runs_created_at_idx and filter, slow when those statuses are rare.
  const branches = statuses.map((status) => db.selectFrom(page(status).as('page')).selectAll());
  const union = branches.slice(1).reduce((all, branch) => all.unionAll(branch), branches[0] as (typeof branches)[number]);
  return db.selectFrom(union.as('pages')).selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(take).execute();
}

/** How many of an asset's newest runs are checked against the other filters before reading from the other end. */
export const ASSET_PROBE_WINDOW = 2000;

/**
 * The asset's runs (run_assets_asset_created_idx), each joined to runs for the other filters.
 * Alone, the asset filter is one index range. With status or trigger too, a rare combination
 * (a common asset's few CANCELED manual runs) would walk most of the asset's runs, so only the
 * newest ASSET_PROBE_WINDOW are probed; when they hold less than a page, the page is read from
 * the status/trigger indexes instead, keeping runs whose run_assets row exists.
 */
async function runsOfAsset(db: Kysely<Database>, assetKey: string, options: ListRunsOptions, statuses: readonly RunStatus[], cursor: Cursor, take: number) {
  const filtered = statuses.length > 0 || options.trigger !== undefined;
  let window = db
    .selectFrom('strata.run_assets')
    .select(['run_id', 'created_at'])
    .where('asset_key', '=', assetKey)
    .orderBy('created_at', 'desc')
    .orderBy('run_id', 'desc');
  if (options.from !== undefined) window = window.where('created_at', '>=', options.from);
  if (options.to !== undefined) window = window.where('created_at', '<', options.to);
  if (cursor !== undefined) window = window.where((eb) => eb(eb.refTuple('created_at', 'run_id'), '<', eb.tuple(cursor.createdAt, cursor.id)));
  if (filtered) window = window.limit(ASSET_PROBE_WINDOW);
  let query = db
    .selectFrom(window.as('ra'))
    .innerJoin('strata.runs as r', 'r.id', 'ra.run_id')
    .selectAll('r')
    .orderBy('ra.created_at', 'desc')
    .orderBy('ra.run_id', 'desc')
    .limit(take);
  if (statuses.length > 0) query = query.where('r.status', 'in', statuses);
  if (options.trigger !== undefined) query = query.where('r.trigger', '=', options.trigger);
  if (!filtered) return query.execute();
  const probed = await query.execute();
  if (probed.length === take) return probed;
  const scanned = await db.selectFrom(window.as('w')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  if (Number(scanned.n) < ASSET_PROBE_WINDOW) return probed;
  return runsByCreatedAt(db, options, statuses, cursor, take);
}

export interface SetRunStatusOptions {
  /** Default: now. Sets started_at for STARTED and ended_at for a terminal status. */
  readonly at?: Date;
  /** Recorded with FAILURE. */
  readonly error?: string;
  /** Recorded with STARTING: the worker that claimed the run. */
  readonly workerId?: string;
}

/**
 * Moves a run to `to` if the lifecycle allows it from its current status, atomically
 * (compare-and-set in one UPDATE), so two processes cannot both make the same move.
 * Throws IllegalRunTransitionError or RunNotFoundError.
 */
export async function setRunStatus(db: Kysely<Database>, runId: string, to: RunStatus, options: SetRunStatusOptions = {}): Promise<Run> {
  const at = options.at ?? new Date();
  const from = statusesLeadingTo(to);
  const updated =
    from.length === 0 || !UUID_PATTERN.test(runId)
      ? undefined
      : await db
          .updateTable('strata.runs')
          .set({
            status: to,
            ...(to === 'STARTING' && options.workerId !== undefined ? { worker_id: options.workerId, heartbeat_at: at } : {}),
            ...(to === 'STARTED' ? { started_at: at } : {}),
            ...(isTerminalRunStatus(to) ? { ended_at: at } : {}),
            ...(to === 'FAILURE' && options.error !== undefined ? { error: options.error } : {}),
          })
          .where('id', '=', runId)
          .where('status', 'in', from)
          .returningAll()
          .executeTakeFirst();
  if (updated !== undefined) return toRun(updated);
  const current = await getRun(db, runId);
  if (current === undefined) throw new RunNotFoundError(runId);
  throw new IllegalRunTransitionError(runId, current.status, to);
}
