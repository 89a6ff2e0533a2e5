/**
 * One attempt at one sensor: claim it (skipped when off, not due, or another daemon has it),
 * call its `evaluate` behind the error boundary, validate what came back, prepare the runs it
 * asked for, then commit all of it in one transaction (storage/sensor-commit.ts). Whatever the
 * user code does (throw, hang, return nonsense, name an unknown asset) becomes a recorded
 * 'failed' evaluation that requests nothing and keeps the cursor; the next interval retries.
 * Only the database failing makes this throw; the claim then expires and any daemon retries.
 */
import type { SensorDefinition } from '../../core/sensor.js';
import type { Runtime } from '../../runtime.js';
import { commitSensorEvaluations } from '../../storage/sensor-commit.js';
import { claimSensor } from '../../storage/sensor-state.js';
import { announceQueueChanged } from '../queue-signals.js';
import { callWithTimeout } from './call-with-timeout.js';
import type { SensorAttempt, SensorAttemptOptions } from './sensor-attempt.js';
import { sensorContext } from './sensor-context.js';
import { decideEvaluation } from './sensor-decision.js';
import { createSensorLog } from './sensor-log.js';

export async function evaluateSensor(runtime: Runtime, sensor: SensorDefinition, options: SensorAttemptOptions): Promise<SensorAttempt> {
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
  });
  if (claimed === undefined) return { sensorName: sensor.name, status: 'not-claimed' };

  const startedAt = clock.now();
  const log = createSensorLog(runtime.logger.child({ sensor: sensor.name }), () => clock.now());
  const outcome = await callWithTimeout((signal) => sensor.evaluate({ ...sensorContext(runtime, claimed, log, signal, options), cursor: claimed.cursor ?? undefined }), {
    clock,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    what: `sensor '${sensor.name}'`,
  });
  log.close();
  const evaluation = decideEvaluation(runtime, {
    sensorName: sensor.name,
    outcome,
    startedAt,
    endedAt: clock.now(),
    cursorBefore: claimed.cursor,
    logs: log.lines(),
    ownsCursor: true,
  });
  const committed = await commitSensorEvaluations(db, {
    claimed,
    daemonId: options.daemonId,
    cursor: evaluation.cursorAfter,
    evaluatedAt: startedAt,
    evaluations: [evaluation],
  });
  if (!committed.committed) return { sensorName: sensor.name, status: 'lost-claim' };
  if (committed.newRuns > 0) announceQueueChanged(runtime.database);
  return { sensorName: sensor.name, status: 'committed', evaluations: committed.evaluations, newRuns: committed.newRuns };
}
