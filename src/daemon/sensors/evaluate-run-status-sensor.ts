/**
 * One attempt at one run-status sensor: claim it (when due, or at once when a run ended), find
 * the ended runs it has not handled (ended-runs.ts), call `handle` for each behind the error
 * boundary, and commit in one transaction: one evaluation per run, the runs marked handled
 * (or their failed attempt counted: offered again next time, given up after
 * MAX_HANDLE_ATTEMPTS), any runs requested, and the new watermark. A daemon killed mid-batch
 * commits nothing: the next claimant hands the same runs over again, so a handler's side
 * effects are at least once while its recorded handling is exactly once.
 */
import type { RunStatusSensorDefinition } from '../../core/run-status-sensor.js';
import type { Runtime } from '../../runtime.js';
import { commitSensorEvaluations, type EvaluationToStore } from '../../storage/sensor-commit.js';
import { claimSensor, renewSensorClaim, type SensorState } from '../../storage/sensor-state.js';
import { sensorDb } from '../../storage/sensor-tables.js';
import { announceQueueChanged } from '../queue-signals.js';
import { callWithTimeout } from './call-with-timeout.js';
import { endedRunDetails, matchedOutcome } from './ended-run-details.js';
import { findEndedRuns, MAX_HANDLE_ATTEMPTS } from './ended-runs.js';
import type { SensorAttempt, SensorAttemptOptions } from './sensor-attempt.js';
import { sensorContext } from './sensor-context.js';
import { decideEvaluation } from './sensor-decision.js';
import { createSensorLog } from './sensor-log.js';

/** Runs handed over per claim; more wait for the next attempt, which follows at once. */
export const RUN_STATUS_BATCH = 50;

export interface RunStatusAttemptOptions extends SensorAttemptOptions {
  /** The assets of its monitoredSelection (undefined: every run). */
  readonly monitoredAssets: readonly string[] | undefined;
  /** A run just ended: look now, whatever the interval. */
  readonly woken: boolean;
}

export interface RunStatusAttempt {
  readonly attempt: SensorAttempt;
  /** The batch was full: more runs are waiting. */
  readonly more: boolean;
}

export async function evaluateRunStatusSensor(runtime: Runtime, sensor: RunStatusSensorDefinition, options: RunStatusAttemptOptions): Promise<RunStatusAttempt> {
  const { db } = runtime.database;
  const { clock } = options;
  const claimed = await claimSensor(db, {
    name: sensor.name,
    daemonId: options.daemonId,
    now: clock.now(),
    intervalMs: sensor.minimumIntervalSeconds * 1000,
    defaultStatus: sensor.defaultStatus,
    leaseMs: options.leaseMs,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs,
    ignoreInterval: options.woken,
  });
  if (claimed === undefined) return { attempt: { sensorName: sensor.name, status: 'not-claimed' }, more: false };

  const evaluatedAt = clock.now();
  const watermark = watermarkOf(claimed);
  const found = await findEndedRuns(db, { sensorName: sensor.name, watermark, on: sensor.on, monitoredAssets: options.monitoredAssets, limit: RUN_STATUS_BATCH });
  const more = found.runs.length === RUN_STATUS_BATCH;
  const last = found.runs.at(-1)?.endedAt ?? null;
  // A full batch must not move the watermark past runs it has not reached.
  const reached = more ? last : found.latestEndedAt;
  const next = reached !== null && reached > watermark ? reached : watermark;
  const cursorBefore = watermark.toISOString();
  const cursorAfter = next.toISOString();

  const evaluations: EvaluationToStore[] = [];
  for (const run of found.runs) {
    if (options.signal.aborted) break;
    if (!(await renewSensorClaim(db, claimed, new Date(clock.now().getTime() + options.leaseMs)))) {
      return { attempt: { sensorName: sensor.name, status: 'lost-claim' }, more: false };
    }
    const details = await endedRunDetails(db, run);
    const outcome = matchedOutcome(details, sensor.on);
    if (outcome === undefined) continue;
    const startedAt = clock.now();
    const log = createSensorLog(runtime.logger.child({ sensor: sensor.name, runId: run.id }), () => clock.now());
    const called = await callWithTimeout(
      (signal) => sensor.handle({ ...sensorContext(runtime, claimed, log, signal, options), ...details, outcome }),
      { clock, timeoutMs: options.timeoutMs, signal: options.signal, what: `run-status sensor '${sensor.name}' on run ${run.id}` },
    );
    log.close();
    const decided = decideEvaluation(runtime, {
      sensorName: sensor.name,
      outcome: called,
      startedAt,
      endedAt: clock.now(),
      cursorBefore,
      logs: log.lines(),
      ownsCursor: false,
    });
    const handled = decided.outcome !== 'failed';
    const error = handled ? decided.error : withNote(decided.error ?? '', await attemptNote(runtime, sensor.name, run.id));
    evaluations.push({
      ...decided,
      error,
      cursorAfter,
      endedRun: { runId: run.id, endedAt: details.run.endedAt, outcome, handled },
    });
  }

  const committed = await commitSensorEvaluations(db, { claimed, daemonId: options.daemonId, cursor: cursorAfter, evaluatedAt, evaluations });
  if (!committed.committed) return { attempt: { sensorName: sensor.name, status: 'lost-claim' }, more: false };
  if (committed.newRuns > 0) announceQueueChanged(runtime.database);
  return { attempt: { sensorName: sensor.name, status: 'committed', evaluations: committed.evaluations, newRuns: committed.newRuns }, more };
}

/** The stored watermark; a sensor without one (never evaluated) watches runs ending from its creation on. */
function watermarkOf(state: SensorState): Date {
  const parsed = state.cursor === null ? Number.NaN : Date.parse(state.cursor);
  return Number.isNaN(parsed) ? state.createdAt : new Date(parsed);
}

/** The note after the message's first line, before its stack lines. */
function withNote(error: string, note: string): string {
  const newline = error.indexOf('\n');
  return newline === -1 ? `${error}${note}` : `${error.slice(0, newline)}${note}${error.slice(newline)}`;
}

/** " (attempt 2 of 3; offered again)" or " (attempt 3 of 3; given up)". */
async function attemptNote(runtime: Runtime, sensorName: string, runId: string): Promise<string> {
  const row = await sensorDb(runtime.database.db)
    .selectFrom('strata.run_status_sensor_runs')
    .select('attempts')
    .where('sensor_name', '=', sensorName)
    .where('run_id', '=', runId)
    .executeTakeFirst();
  const attempt = (row?.attempts ?? 0) + 1;
  return ` (attempt ${attempt} of ${MAX_HANDLE_ATTEMPTS}; ${attempt >= MAX_HANDLE_ATTEMPTS ? 'given up' : 'offered again at the next evaluation'})`;
}
