/**
 * Retention: the daemon purges history older than STRATA_RETENTION_DAYS (runs with their steps
 * and events, ticks, ended processes, backfills left without runs, check results other than the
 * newest of each check, sensor evaluations other than each sensor's latest, the run-status
 * sensors' record of runs they handled, automation result changes and evaluations) and, when
 * STRATA_BRONZE_RETENTION_DAYS is set, bronze partitions whose day is older than that.
 *
 * Deletes go in bounded batches (one transaction each) with a pause between them, so a first
 * pass over years of history never holds locks for long or starves the queue; a stop between
 * batches ends the pass early and the next pass picks up where it left off. Never purged:
 * runs still QUEUED/STARTING/STARTED, `strata.materializations` (the latest state of each asset
 * partition), silver and gold (they live in the database and are not history).
 *
 * Cut-offs are exclusive: a run that ended exactly at the cut-off is kept.
 *
 * @example
 * const retention = startRetention(runtime, { processId, onDeleted: (table, n) => counter.inc({ table }, n) });
 * // ... on shutdown:
 * await retention.stop();
 */
import type { Clock } from '../core/types.js';
import type { Logger } from '../logger.js';
import type { Runtime } from '../runtime.js';
import type { BronzeStore } from '../storage/bronze/index.js';
import { type StrataDatabase, availabilityOf } from '../storage/index.js';
import {
  inFlightPartitionKeys,
  purgeAutomationBatch,
  purgeBackfillBatch,
  purgeCheckResultBatch,
  purgeHandledRunBatch,
  purgeProcessBatch,
  purgeRunBatch,
  purgeSensorEvaluationBatch,
  purgeTickBatch,
} from '../storage/retention.js';
import { type BackgroundLoop, loopReporter, startBackgroundLoop } from './background-loop.js';

/** The `table` label of `strata_retention_deleted_total`; bronze partitions count as one table. */
export type RetentionTable =
  | 'runs'
  | 'steps'
  | 'events'
  | 'ticks'
  | 'processes'
  | 'backfills'
  | 'check_results'
  | 'sensor_evaluations'
  | 'sensor_handled_runs'
  | 'automation_results'
  | 'automation_evaluations'
  | 'bronze_partitions';
export const RETENTION_TABLES: readonly RetentionTable[] = [
  'runs',
  'steps',
  'events',
  'ticks',
  'processes',
  'backfills',
  'check_results',
  'sensor_evaluations',
  'sensor_handled_runs',
  'automation_results',
  'automation_evaluations',
  'bronze_partitions',
];

/** The loop name in `strata.processes` and in logs. */
export const RETENTION_LOOP = 'retention';
export const DEFAULT_RETENTION_INTERVAL_MS = 3_600_000;
export const DEFAULT_RETENTION_BATCH_SIZE = 1_000;
export const DEFAULT_RETENTION_PAUSE_MS = 200;

const DAY_MS = 86_400_000;
const BRONZE_ROOT = 'raw/';
const DAY_SEGMENT = /^\d{4}-\d{2}-\d{2}$/;

export interface RetentionPolicy {
  /** History older than this many days is purged. */
  readonly retentionDays: number;
  /** Bronze partitions whose day is older than this are deleted; undefined keeps bronze forever. */
  readonly bronzeRetentionDays: number | undefined;
}

/** What a pass works on; `startRetention` takes it from the runtime. */
export interface RetentionContext {
  readonly database: StrataDatabase;
  readonly bronze: BronzeStore;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface RetentionPassOptions {
  /** Rows (or bronze partitions) per transaction. Default 1,000. */
  readonly batchSize?: number;
  /** Pause after each full batch, on the context's clock. Default 200 ms. */
  readonly pauseMs?: number;
  /** Aborting ends the pass after the batch in progress. */
  readonly signal?: AbortSignal;
  /** Called after each batch that deleted something: feeds `strata_retention_deleted_total{table}`. */
  readonly onDeleted?: (table: RetentionTable, count: number) => void;
}

export interface RetentionPassResult {
  /** Runs, ticks, processes and backfills older than this were purged. */
  readonly cutoff: Date;
  /** Bronze days before this day were deleted; undefined when bronze is kept. */
  readonly bronzeCutoff: Date | undefined;
  readonly deleted: Readonly<Record<RetentionTable, number>>;
  /** Batches that deleted something (database transactions and bronze groups). */
  readonly batches: number;
  /** False when the signal stopped the pass before everything old was purged. */
  readonly completed: boolean;
}

/** One pass: purges everything older than the cut-offs (at `context.clock.now()`), batch by batch. */
export async function runRetentionPass(
  context: RetentionContext,
  policy: RetentionPolicy,
  options: RetentionPassOptions = {},
): Promise<RetentionPassResult> {
  const { db } = context.database;
  const batchSize = options.batchSize ?? DEFAULT_RETENTION_BATCH_SIZE;
  const pauseMs = options.pauseMs ?? DEFAULT_RETENTION_PAUSE_MS;
  const started = context.clock.now();
  const cutoff = new Date(started.getTime() - policy.retentionDays * DAY_MS);
  const bronzeCutoff = policy.bronzeRetentionDays === undefined ? undefined : new Date(started.getTime() - policy.bronzeRetentionDays * DAY_MS);
  const deleted = Object.fromEntries(RETENTION_TABLES.map((table) => [table, 0])) as Record<RetentionTable, number>;
  let batches = 0;

  const count = (table: RetentionTable, n: number): void => {
    if (n === 0) return;
    deleted[table] += n;
    try {
      options.onDeleted?.(table, n);
    } catch (error) {
      context.logger.warn({ err: error, loop: RETENTION_LOOP }, 'retention: the onDeleted callback threw');
    }
  };
  /** False when stopped. */
  const pause = async (): Promise<boolean> => {
    if (options.signal?.aborted) return false;
    try {
      await context.clock.sleep(pauseMs, options.signal);
      return true;
    } catch {
      return false;
    }
  };
  /** Runs `batch` until it deletes fewer than `batchSize`; false when stopped first. */
  const drain = async (batch: () => Promise<number>): Promise<boolean> => {
    for (;;) {
      if (options.signal?.aborted) return false;
      const n = await batch();
      if (n > 0) batches += 1;
      if (n < batchSize) return true;
      if (!(await pause())) return false;
    }
  };

  // Ticks before runs: a SUCCESS tick whose run_id went NULL would read as "run not queued yet".
  const completed =
    (await drain(async () => {
      const n = await purgeTickBatch(db, cutoff, batchSize);
      count('ticks', n);
      return n;
    })) &&
    (await drain(async () => {
      const purged = await purgeRunBatch(db, cutoff, batchSize);
      count('events', purged.events);
      count('steps', purged.steps);
      count('runs', purged.runs);
      return purged.runs;
    })) &&
    (await drain(async () => {
      const n = await purgeBackfillBatch(db, cutoff, batchSize);
      count('backfills', n);
      return n;
    })) &&
    (await drain(async () => {
      const n = await purgeCheckResultBatch(db, cutoff, batchSize);
      count('check_results', n);
      return n;
    })) &&
    (await drain(async () => {
      const n = await purgeSensorEvaluationBatch(db, cutoff, batchSize);
      count('sensor_evaluations', n);
      return n;
    })) &&
    (await drain(async () => {
      const n = await purgeHandledRunBatch(db, cutoff, batchSize);
      count('sensor_handled_runs', n);
      return n;
    })) &&
    (await drain(async () => {
      const purged = await purgeAutomationBatch(db, cutoff, batchSize);
      count('automation_results', purged.results);
      count('automation_evaluations', purged.evaluations);
      return Math.max(purged.results, purged.evaluations);
    })) &&
    (await drain(async () => {
      const n = await purgeProcessBatch(db, cutoff, batchSize);
      count('processes', n);
      return n;
    })) &&
    (bronzeCutoff === undefined ||
      (await purgeBronze(context, bronzeCutoff, batchSize, pause, options.signal, (n) => {
        count('bronze_partitions', n);
        batches += 1;
      })));

  const result: RetentionPassResult = { cutoff, bronzeCutoff, deleted: { ...deleted }, batches, completed };
  logPass(context, result, context.clock.now().getTime() - started.getTime());
  return result;
}

function logPass(context: RetentionContext, result: RetentionPassResult, durationMs: number): void {
  const summary = RETENTION_TABLES.map((table) => `${result.deleted[table]} ${table}`).join(', ');
  context.logger.info(
    {
      loop: RETENTION_LOOP,
      cutoff: result.cutoff.toISOString(),
      bronzeCutoff: result.bronzeCutoff?.toISOString() ?? 'keep',
      deleted: result.deleted,
      batches: result.batches,
      completed: result.completed,
      durationMs,
    },
    `retention pass ${result.completed ? 'done' : 'stopped early'}: deleted ${summary}`,
  );
}

/**
 * Deletes bronze asset partitions (`raw/<day>/<partition>/<asset>/`) of every day before the
 * cut-off's day, through the store. Days with a run still in flight are skipped (its bronze may
 * be being written or read); keys that do not have that shape are never touched.
 */
async function purgeBronze(
  context: RetentionContext,
  bronzeCutoff: Date,
  batchSize: number,
  pause: () => Promise<boolean>,
  signal: AbortSignal | undefined,
  onBatch: (n: number) => void,
): Promise<boolean> {
  const cutoffDay = bronzeCutoff.toISOString().slice(0, 10);
  const busyDays = new Set([...(await inFlightPartitionKeys(context.database.db))].map((key) => key.slice(0, 10)));
  const prefixes = expiredBronzePartitions(await context.bronze.list(BRONZE_ROOT), cutoffDay).filter(
    (prefix) => !busyDays.has(prefix.slice(BRONZE_ROOT.length, BRONZE_ROOT.length + 10)),
  );
  for (let start = 0; start < prefixes.length; start += batchSize) {
    if (signal?.aborted) return false;
    const group = prefixes.slice(start, start + batchSize);
    for (const prefix of group) await context.bronze.delete(prefix);
    onBatch(group.length);
    if (start + batchSize < prefixes.length && !(await pause())) return false;
  }
  return true;
}

/**
 * The distinct `raw/<day>/<partition>/<asset>/` prefixes among `keys` whose day is a real
 * calendar date before `cutoffDay` (`YYYY-MM-DD`; the day is a whole UTC day, so a day before
 * the cut-off's day is entirely older than the cut-off).
 */
export function expiredBronzePartitions(keys: readonly string[], cutoffDay: string): string[] {
  const prefixes = new Set<string>();
  for (const key of keys) {
    const segments = key.split('/');
    const [root, day, partition, asset] = segments;
    if (root !== 'raw' || segments.length < 5 || day === undefined || partition === undefined || asset === undefined) continue;
    if (!isCalendarDay(day) || day >= cutoffDay) continue;
    prefixes.add(`raw/${day}/${partition}/${asset}/`);
  }
  return [...prefixes].sort();
}

function isCalendarDay(segment: string): boolean {
  return DAY_SEGMENT.test(segment) && new Date(`${segment}T00:00:00Z`).toISOString().slice(0, 10) === segment;
}

export interface RetentionLoopOptions extends Omit<RetentionPassOptions, 'signal'> {
  /** Time between passes. Default one hour; the first pass runs at start. */
  readonly intervalMs?: number;
  /** The process whose row records the loop's results (`strata status`). */
  readonly processId?: string;
}

/** Retention as a background loop: errors are logged and recorded, and the loop carries on. */
export function startRetentionLoop(context: RetentionContext, policy: RetentionPolicy, options: RetentionLoopOptions = {}): BackgroundLoop {
  const { intervalMs, processId, ...passOptions } = options;
  const stopping = new AbortController();
  const loop = startBackgroundLoop({
    name: RETENTION_LOOP,
    intervalMs: intervalMs ?? DEFAULT_RETENTION_INTERVAL_MS,
    clock: context.clock,
    logger: context.logger,
    iteration: async () => {
      await runRetentionPass(context, policy, { ...passOptions, signal: stopping.signal });
    },
    ...(processId === undefined ? {} : { report: loopReporter(context.database, processId, RETENTION_LOOP, context.clock) }),
    availability: availabilityOf(context.database),
  });
  return {
    wake: () => loop.wake(),
    async stop() {
      stopping.abort();
      await loop.stop();
    },
  };
}

/** The retention loop of `strata daemon` / `strata start`, with the runtime's config, store and clock. */
export function startRetention(runtime: Runtime, options: RetentionLoopOptions = {}): BackgroundLoop {
  const context: RetentionContext = {
    database: runtime.database,
    bronze: runtime.resources.bronze,
    clock: runtime.clock,
    logger: runtime.logger,
  };
  return startRetentionLoop(context, runtime.config, options);
}
