/**
 * `ctx.runForKey(key)`: the run a sensor requested with `key`, following retries to the latest
 * attempt. A run the monitor retried (worker lost) ended FAILURE and has a child with
 * parent_run_id and trigger 'retry'; the sensor wants to know how the work ended, not how the
 * first attempt did. A FAILURE whose retry the monitor has yet to queue says so (retryPending).
 */
import type { SensorRun } from '../../core/sensor.js';
import { stepsForRun, type Run } from '../../storage/index.js';
import { toRun } from '../../storage/runs.js';
import type { Runtime } from '../../runtime.js';
import { MAX_RUN_RETRIES } from '../../core/types.js';
import { retriedFailure } from '../run-monitor.js';
import { sensorRunKey } from './sensor-run-key.js';

/** Lines of a failed step's error reported when the run has none of its own. */
const ERROR_LINES = 5;

export async function runForKey(runtime: Runtime, sensorName: string, runKey: string): Promise<SensorRun | undefined> {
  const { db } = runtime.database;
  const first = await db.selectFrom('strata.runs').selectAll().where('run_key', '=', sensorRunKey(sensorName, runKey)).executeTakeFirst();
  if (first === undefined) return undefined;
  let run = toRun(first);
  // A chain is at most MAX_RUN_RETRIES + 1 long; the bound also guards against a cycle.
  for (let hop = 0; hop <= MAX_RUN_RETRIES; hop += 1) {
    const child = await db
      .selectFrom('strata.runs')
      .selectAll()
      .where('parent_run_id', '=', run.id)
      .where('trigger', '=', 'retry')
      .orderBy('attempt', 'desc')
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (child === undefined) break;
    run = toRun(child);
  }
  return {
    id: run.id,
    runKey,
    status: run.status,
    error: await errorOf(runtime, run),
    createdAt: run.createdAt,
    endedAt: run.endedAt,
    tags: run.tags,
    retryPending: run.status === 'FAILURE' && (await retryPending(runtime, run.id)),
  };
}

async function retryPending(runtime: Runtime, runId: string): Promise<boolean> {
  const row = await runtime.database.db.selectFrom('strata.runs as r').select(retriedFailure('r').as('pending')).where('r.id', '=', runId).executeTakeFirst();
  return row?.pending === true;
}

async function errorOf(runtime: Runtime, run: Run): Promise<string | null> {
  if (run.error !== null) return run.error;
  if (run.status !== 'FAILURE') return null;
  const failed = (await stepsForRun(runtime.database.db, run.id)).find((step) => step.status === 'FAILURE' && step.error !== null);
  return failed?.error?.split('\n').slice(0, ERROR_LINES).join('\n') ?? null;
}
