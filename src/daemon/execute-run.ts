/**
 * Creating and executing runs. Every run is stored QUEUED first, then executed here with every
 * event recorded before the next step starts, so a crash loses nothing that was reported.
 */
import { hostname } from 'node:os';
import { executeRun, planRun, type RunResult } from '../core/executor.js';
import type { AssetGraph } from '../core/graph.js';
import { assetsForPartitionKey } from '../core/partition-selection.js';
import { select } from '../core/selection.js';
import { ValidationError } from '../core/errors.js';
import type { PartitionRangeKeys } from '../core/partition-range.js';
import { MAX_RUN_RETRIES, type AssetKey, type RunEvent, type RunTrigger } from '../core/types.js';
import type { Logger } from '../logger.js';
import type { Runtime } from '../runtime.js';
import {
  createRun,
  directEventWriter,
  latestMaterialization,
  setRunStatus,
  type CreateRunInput,
  type EventWriter,
  type Run,
} from '../storage/index.js';
import { assertPartitionServable } from './partition-refusal.js';
import { announceQueueChanged } from './queue-signals.js';
import { RunEventRecorder } from './run-event-recorder.js';
import { RunInterruptedError } from './run-errors.js';
import { describeRetriesUsed, hasRetriesLeft, queueRetry } from './retry-run.js';
import { poolSlotAcquirer } from './pool-slot-wait.js';
import { watchRun } from './run-watch.js';
import { maxConcurrentStepsOf } from './step-concurrency.js';

export interface RunRequest {
  /** Selection syntax: `silver/market_snapshots`, `gold/*`, `+key`, `key+`; default `*`. */
  readonly selection?: string;
  /** Default: the partition that contains now. */
  readonly partitionKey?: string;
  /**
   * A range run: one step per selected asset covering `first`..`last` (every partitioned asset
   * selected must be `backfillPolicy: 'single_run'`); `partitionKey` is then ignored.
   */
  readonly partitionRange?: PartitionRangeKeys;
  readonly trigger?: RunTrigger;
  readonly tags?: Readonly<Record<string, string>>;
  readonly runKey?: string;
  /** Higher is claimed first; default 0. */
  readonly priority?: number;
  /**
   * Run retries: how many times the run is queued again when its worker is lost (heartbeat timed
   * out, or shut down mid-run), resuming from failure. Default: config.runMaxRetries.
   */
  readonly maxRetries?: number;
}

export const WORKER_ID = `${hostname()}:${process.pid}`;

/** The partition that contains `now`, for the first partitioned asset selected (all share one kind today). */
export function defaultPartitionKey(graph: AssetGraph, keys: readonly AssetKey[], now: Date): string | undefined {
  for (const key of keys) {
    const partitions = graph.assets.get(key)?.partitions;
    if (partitions) return partitions.keyFor(now);
  }
  return undefined;
}

/**
 * Validates the request (selection, partition key) into the run to store. A partition the
 * selected assets cannot serve now is refused (partition-refusal.ts), except for schedule ticks.
 */
export function prepareRun(runtime: Runtime, request: RunRequest): CreateRunInput {
  const requested = request.selection?.trim() || '*';
  const selected = select(runtime.graph, requested);
  const range = request.partitionRange;
  const partitionKey = range?.last ?? request.partitionKey ?? defaultPartitionKey(runtime.graph, selected, runtime.clock.now());
  const keys = assetsForPartitionKey(runtime.graph, selected, partitionKey);
  const steps = planRun(runtime.graph, keys, partitionKey, range);
  const trigger = request.trigger ?? 'manual';
  // A tick picks its own window, which has started; one evaluated late must still fill it.
  if (trigger !== 'schedule') assertPartitionServable(runtime.graph, { selection: requested, steps }, runtime.clock.now());
  // Narrowed to the key's partition kind: store what will run, so execution plans the same steps.
  const selection = keys.length === selected.length ? requested : keys.join(',');
  const maxRetries = request.maxRetries ?? runtime.config.runMaxRetries;
  if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > MAX_RUN_RETRIES) {
    throw new ValidationError(`maxRetries must be an integer from 0 to ${MAX_RUN_RETRIES}, got ${String(request.maxRetries)}`);
  }
  maxConcurrentStepsOf(request.tags ?? {}, runtime.config.maxConcurrentSteps);
  return {
    selection,
    partitionKey: partitionKey ?? null,
    trigger,
    tags: request.tags ?? {},
    runKey: request.runKey ?? null,
    priority: request.priority ?? 0,
    maxRetries,
    pools: poolsOf(runtime.graph, keys),
    assetKeys: keys,
    ...(range === undefined ? {} : { partitionRange: { first: range.first, last: range.last } }),
  };
}

/** Validates the request (selection, partition key) and stores the run QUEUED; a worker claims it. */
export async function queueRun(runtime: Runtime, request: RunRequest): Promise<Run> {
  const run = await createRun(runtime.database.db, prepareRun(runtime, request));
  announceQueueChanged(runtime.database);
  return run;
}

/** The named pools of the assets, sorted: the pools the run's steps take slots of. */
export function poolsOf(graph: AssetGraph, keys: readonly AssetKey[]): string[] {
  const pools = keys.flatMap((key) => graph.assets.get(key)?.pool ?? []);
  return [...new Set(pools)].sort();
}

export interface ExecuteStoredRunOptions {
  /** Who executes the run: written to `worker_id`, checked by every heartbeat. Default WORKER_ID. */
  readonly workerId?: string;
  /**
   * Asked before each step starts; false (the worker is shutting down) starts no further step
   * and, once the steps in flight have ended, ends the run FAILURE as interrupted and queues a
   * retry that resumes from the steps that did not succeed.
   */
  readonly mayStartStep?: () => boolean;
  /** Records the run's event batches; default one transaction per batch. A worker passes its group commit. */
  readonly writeEvents?: EventWriter;
}

export interface StoredRunResult extends RunResult {
  /** The worker shut down: the run ended FAILURE and `retry` resumes it (undefined: its run retries were used up). */
  readonly interrupted?: { readonly message: string; readonly retry: Run | undefined };
}

/**
 * Executes a stored run to its end: a QUEUED run is claimed here (`strata materialize`), a
 * STARTING one was claimed by a worker. The run is heartbeated and watched for cancel while it
 * executes; steps that succeeded in its parent chain (`skipSteps`) are skipped. Resolves with
 * the result; a failing step is a FAILURE result, not a rejection. An abort whose reason is a
 * RunInterruptedError ends the run FAILURE (not CANCELED) and queues a retry.
 */
export async function executeStoredRun(
  runtime: Runtime,
  run: Run,
  signal: AbortSignal = new AbortController().signal,
  options: ExecuteStoredRunOptions = {},
): Promise<StoredRunResult> {
  const { db } = runtime.database;
  const workerId = options.workerId ?? WORKER_ID;
  if (run.status === 'QUEUED') await setRunStatus(db, run.id, 'STARTING', { workerId, at: runtime.clock.now() });
  const steps = planRun(runtime.graph, select(runtime.graph, run.selection), run.partitionKey ?? undefined, run.partitionRange);
  const log = runtime.logger.child({ runId: run.id });
  const controller = new AbortController();
  const forward = (): void => controller.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener('abort', forward, { once: true });
  const stopWatching = watchRun(runtime, { runId: run.id, workerId, controller });
  const recorder = new RunEventRecorder(options.writeEvents ?? directEventWriter(db), (events) => {
    for (const event of events) {
      logEvent(log, event);
      runtime.events.publish(event);
    }
  });
  const record = (event: RunEvent): Promise<void> => recorder.record(event);
  const flush = (): Promise<void> => recorder.flush();
  let startedAt = runtime.clock.now();
  let interrupted: StoredRunResult['interrupted'];
  // Queue the retry before the run ends, so a crash in between still leaves one (its run_key dedups).
  const interrupt = async (reason: RunInterruptedError, durationMs: number): Promise<void> => {
    // The retry skips the steps recorded as succeeded: a step's end still waiting must be among them.
    await flush();
    const retry = hasRetriesLeft(run) ? await queueRetry(runtime, run) : undefined;
    const message =
      retry === undefined
        ? `interrupted: ${reason.message}; not retried (${describeRetriesUsed(run)})`
        : `interrupted: ${reason.message}; resumed as run ${retry.id}`;
    await record({ type: 'run:failed', runId: run.id, at: runtime.clock.now(), durationMs, message });
    interrupted = { message, retry };
  };
  try {
    const result = await executeRun({
      graph: runtime.graph,
      runId: run.id,
      tags: run.tags,
      steps,
      resources: runtime.resources,
      signal: controller.signal,
      clock: runtime.clock,
      skip: new Set(run.skipSteps),
      maxConcurrentSteps: stepLimitOf(runtime, run),
      acquirePool: poolSlotAcquirer(runtime, run.id),
      beforeStep(step) {
        if (options.mayStartStep?.() === false) throw new RunInterruptedError(`worker ${workerId} shut down before ${step.assetKey} started`);
      },
      async emit(event) {
        if (event.type === 'run:started') startedAt = event.at;
        const reason: unknown = controller.signal.reason;
        if (event.type === 'run:canceled' && reason instanceof RunInterruptedError) {
          await interrupt(reason, event.durationMs);
          return;
        }
        await record(event);
      },
      async loadInput(assetKey, partitionKey) {
        return (await latestMaterialization(db, assetKey, partitionKey))?.value;
      },
    });
    return interrupted ? { status: 'FAILURE', steps: result.steps, interrupted } : result;
  } catch (error) {
    if (!(error instanceof RunInterruptedError)) throw error;
    await interrupt(error, runtime.clock.now().getTime() - startedAt.getTime());
    return { status: 'FAILURE', steps: [], ...(interrupted ? { interrupted } : {}) };
  } finally {
    await flush().catch((error: unknown) => log.error({ err: error }, 'could not record the last events of the run'));
    await stopWatching();
    signal.removeEventListener('abort', forward);
  }
}

/** Checked when the run was requested; a run stored otherwise with a bad tag runs at the configured limit. */
function stepLimitOf(runtime: Runtime, run: Run): number {
  try {
    return maxConcurrentStepsOf(run.tags, runtime.config.maxConcurrentSteps);
  } catch {
    return runtime.config.maxConcurrentSteps;
  }
}

/** Queue and execute in this process: `strata materialize`. */
export async function materialize(runtime: Runtime, request: RunRequest, signal?: AbortSignal): Promise<{ run: Run; result: RunResult }> {
  const input = prepareRun(runtime, request);
  // Created and claimed in one transaction: a worker in this process never sees it QUEUED.
  const run = await runtime.database.db.transaction().execute(async (trx) => {
    const created = await createRun(trx, input);
    return setRunStatus(trx, created.id, 'STARTING', { workerId: WORKER_ID, at: runtime.clock.now() });
  });
  const result = await executeStoredRun(runtime, run, signal);
  return { run, result };
}

function logEvent(log: Logger, event: RunEvent): void {
  const where = 'assetKey' in event ? { asset: event.assetKey, partition: event.partition } : {};
  switch (event.type) {
    case 'log':
      log[event.level]({ ...where, ...event.fields }, event.message);
      return;
    case 'step:failed':
      log.warn({ ...where, attempt: event.attempt, willRetry: event.willRetry }, `step failed: ${event.message}`);
      return;
    case 'run:failed':
      log.error({ durationMs: event.durationMs }, `run failed: ${event.message}`);
      return;
    case 'asset:materialized':
      log.info({ ...where, durationMs: event.durationMs, ...event.metadata }, 'asset materialized');
      return;
    case 'check:evaluated':
      if (event.passed) log.debug({ ...where, check: event.check }, 'check passed');
      else log[event.severity === 'error' ? 'error' : 'warn']({ ...where, check: event.check, ...event.metadata }, `check '${event.check}' failed: ${event.message ?? ''}`);
      return;
    default:
      log.debug(where, event.type);
  }
}
