/**
 * Creating and executing runs. Every run is stored QUEUED first, then executed here with every
 * event recorded before the next step starts, so a crash loses nothing that was reported.
 */
import { hostname } from 'node:os';
import { executeRun, planRun, type RunResult } from '../core/executor.js';
import type { AssetGraph } from '../core/graph.js';
import { assetsForPartitionKey } from '../core/partition-selection.js';
import { select } from '../core/selection.js';
import type { AssetKey, RunEvent, RunTrigger } from '../core/types.js';
import type { Logger } from '../logger.js';
import type { Runtime } from '../runtime.js';
import { createRun, latestMaterialization, recordEvent, setRunStatus, type Run } from '../storage/index.js';

export interface RunRequest {
  /** Selection syntax: `silver/market_snapshots`, `gold/*`, `+key`, `key+`; default `*`. */
  readonly selection?: string;
  /** Default: the partition that contains now. */
  readonly partitionKey?: string;
  readonly trigger?: RunTrigger;
  readonly tags?: Readonly<Record<string, string>>;
  readonly runKey?: string;
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

/** Validates the request (selection, partition key) and stores the run QUEUED. */
export async function queueRun(runtime: Runtime, request: RunRequest): Promise<Run> {
  const requested = request.selection?.trim() || '*';
  const selected = select(runtime.graph, requested);
  const partitionKey = request.partitionKey ?? defaultPartitionKey(runtime.graph, selected, runtime.clock.now());
  const keys = assetsForPartitionKey(runtime.graph, selected, partitionKey);
  planRun(runtime.graph, keys, partitionKey);
  // Narrowed to the key's partition kind: store what will run, so execution plans the same steps.
  const selection = keys.length === selected.length ? requested : keys.join(',');
  return createRun(runtime.database.db, {
    selection,
    partitionKey: partitionKey ?? null,
    trigger: request.trigger ?? 'manual',
    tags: request.tags ?? {},
    runKey: request.runKey ?? null,
  });
}

/** Executes a stored QUEUED run to its end. Resolves with the result; a failing step is a FAILURE result, not a rejection. */
export async function executeStoredRun(runtime: Runtime, run: Run, signal: AbortSignal = new AbortController().signal): Promise<RunResult> {
  const { db } = runtime.database;
  await setRunStatus(db, run.id, 'STARTING', { workerId: WORKER_ID });
  const steps = planRun(runtime.graph, select(runtime.graph, run.selection), run.partitionKey ?? undefined);
  const log = runtime.logger.child({ runId: run.id });
  return executeRun({
    graph: runtime.graph,
    runId: run.id,
    steps,
    resources: runtime.resources,
    signal,
    clock: runtime.clock,
    async emit(event) {
      await recordEvent(db, event);
      logEvent(log, event);
      runtime.events.publish(event);
    },
    async loadInput(assetKey, partitionKey) {
      return (await latestMaterialization(db, assetKey, partitionKey))?.value;
    },
  });
}

/** Queue and execute in this process: `strata materialize`. */
export async function materialize(runtime: Runtime, request: RunRequest, signal?: AbortSignal): Promise<{ run: Run; result: RunResult }> {
  const run = await queueRun(runtime, request);
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
    default:
      log.debug(where, event.type);
  }
}
