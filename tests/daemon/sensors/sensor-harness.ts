/**
 * What the sensor tests share: runs ended the way workers end them (events through the event
 * log), and the stored evaluations and sensor runs read back.
 */
import { sql } from 'kysely';
import type { RunEvent } from '../../../src/core/types.js';
import { createRun, recordEvent, setRunStatus, type Run, type StrataDatabase } from '../../../src/storage/index.js';
import { listSensorEvaluations, type SensorEvaluation } from '../../../src/storage/sensor-evaluations.js';

export async function evaluationsOf(database: StrataDatabase, sensorName: string): Promise<SensorEvaluation[]> {
  const page = await listSensorEvaluations(database.db, sensorName, { limit: 1000 });
  return [...page.evaluations].reverse();
}

export interface SensorRunRow {
  readonly id: string;
  readonly runKey: string | null;
  readonly trigger: string;
  readonly selection: string;
  readonly tags: Record<string, string>;
}

export async function runsOfSensor(database: StrataDatabase, sensorName: string): Promise<SensorRunRow[]> {
  const result = await sql<SensorRunRow>`
    SELECT id, run_key AS "runKey", trigger, selection, tags FROM strata.runs
    WHERE tags->>'sensor' = ${sensorName} ORDER BY created_at, run_key`.execute(database.db);
  return result.rows;
}

export interface EndRunOptions {
  readonly at: Date;
  readonly selection?: string;
  readonly partitionKey?: string;
  readonly failedStep?: { readonly assetKey: string; readonly message: string };
  readonly failedCheck?: { readonly assetKey: string; readonly check: string; readonly severity: 'error' | 'warn' };
  readonly runKey?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly maxRetries?: number;
  readonly parent?: Run;
  /** The run:failed message (e.g. the monitor's "worker … stopped heartbeating"). */
  readonly message?: string;
}

/** Creates a run and records its events up to its end with `status`, as a worker would. */
export async function endedRun(database: StrataDatabase, status: 'SUCCESS' | 'FAILURE' | 'CANCELED', options: EndRunOptions): Promise<Run> {
  const selection = options.selection ?? 'bronze/raw';
  const run = await createRun(database.db, {
    selection,
    partitionKey: options.partitionKey ?? '2026-11-23T00:00Z',
    trigger: options.parent === undefined ? 'manual' : 'retry',
    assetKeys: selection.split(','),
    ...(options.tags === undefined ? {} : { tags: options.tags }),
    ...(options.runKey === undefined ? {} : { runKey: options.runKey }),
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    ...(options.parent === undefined ? {} : { parentRunId: options.parent.id, attempt: options.parent.attempt + 1, maxRetries: options.parent.maxRetries }),
  });
  const at = options.at;
  await setRunStatus(database.db, run.id, 'STARTING', { workerId: 'test-worker', at });
  const partition = run.partitionKey;
  const events: RunEvent[] = [{ type: 'run:started', runId: run.id, at }];
  if (options.failedCheck !== undefined) {
    const { assetKey, check, severity } = options.failedCheck;
    events.push({ type: 'check:evaluated', runId: run.id, at, assetKey, partition, check, severity, passed: false, message: `${check} failed`, metadata: {} });
  }
  if (options.failedStep !== undefined) {
    const { assetKey, message } = options.failedStep;
    events.push({ type: 'step:failed', runId: run.id, at, assetKey, partition, attempt: 1, message, retryable: false, willRetry: false, retryInMs: null });
  }
  if (status === 'SUCCESS') events.push({ type: 'run:succeeded', runId: run.id, at, durationMs: 1 });
  if (status === 'FAILURE') events.push({ type: 'run:failed', runId: run.id, at, durationMs: 1, message: options.message ?? 'a step failed' });
  if (status === 'CANCELED') events.push({ type: 'run:canceled', runId: run.id, at, durationMs: 1 });
  for (const event of events) await recordEvent(database.db, event);
  return run;
}
