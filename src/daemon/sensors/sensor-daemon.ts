/**
 * The sensors loop of the daemon. Each round reads every sensor's state (one query) and starts
 * an attempt at each one that is on, due and unclaimed; attempts run side by side, one per
 * sensor at a time in this process, so a slow sensor never delays the others. Across daemons
 * the claim in the database decides who evaluates (storage/sensor-state.ts).
 *
 * Run-status sensors are also woken when a run ends: in this process by the run event bus, from
 * other processes by NOTIFY on Postgres (queue-signals.ts). The poll is the fallback.
 *
 * @example
 * const sensors = createSensorDaemon(runtime, { sensors: runtime.sensors, daemonId: processId });
 * await sensors.start();
 * // ... on SIGTERM:
 * await sensors.stop();
 */
import { describeError } from '../../core/errors.js';
import type { AnySensor, RunStatusSensorDefinition } from '../../core/run-status-sensor.js';
import { select } from '../../core/selection.js';
import type { Clock } from '../../core/types.js';
import { signalLoopError } from '../../metrics/loop-errors.js';
import type { Runtime } from '../../runtime.js';
import { availabilityOf, isConnectionError } from '../../storage/index.js';
import { effectiveStatus, ensureSensorStates, listSensorStates, type SensorState } from '../../storage/sensor-state.js';
import { type BackgroundLoop, loopReporter, startBackgroundLoop } from '../background-loop.js';
import { listenForQueueSignals, onRunFinished, type QueueListener } from '../queue-signals.js';
import { evaluateRunStatusSensor } from './evaluate-run-status-sensor.js';
import { evaluateSensor } from './evaluate-sensor.js';
import { leaseFor, type SensorAttempt, type SensorAttemptOptions } from './sensor-attempt.js';

/** The loop name in `strata.processes` and in logs. */
export const SENSOR_LOOP = 'sensors';
const MAX_POLL_MS = 1_000;
const MIN_POLL_MS = 100;

export interface SensorDaemonOptions {
  readonly sensors: readonly AnySensor[];
  /** Who claims: the daemon's process id. Its row in `strata.processes` records the loop's results. */
  readonly daemonId: string;
  /** Default: the runtime's clock. */
  readonly clock?: Clock;
  /** How often sensor states are read for due sensors. Default: the shortest interval, from 100 ms to 1 s. */
  readonly pollIntervalMs?: number;
  /** Default: loopReporter(database, daemonId, 'sensors', clock). */
  readonly onLoopResult?: (error?: unknown) => Promise<void>;
}

/** An attempt, or the error that stopped it (the database; the claim expires and it is retried). */
export type SensorRoundResult = SensorAttempt | { readonly sensorName: string; readonly status: 'error'; readonly error: string };

export interface SensorDaemon {
  readonly sensors: readonly AnySensor[];
  /** One round now, awaited: each due sensor attempted (run-status sensors as if a run had ended when `woken`). */
  evaluateDue(options?: { readonly woken?: boolean }): Promise<SensorRoundResult[]>;
  start(): Promise<void>;
  /** Stops the loop, aborts sensors still evaluating (their signal) and waits for them. */
  stop(): Promise<void>;
}

export function createSensorDaemon(runtime: Runtime, options: SensorDaemonOptions): SensorDaemon {
  const sensors = Object.freeze([...options.sensors]);
  const clock = options.clock ?? runtime.clock;
  const { database } = runtime;
  const log = runtime.logger.child({ loop: SENSOR_LOOP });
  const report = options.onLoopResult ?? loopReporter(database, options.daemonId, SENSOR_LOOP, clock);
  const stopping = new AbortController();
  const attemptOptions: SensorAttemptOptions = {
    daemonId: options.daemonId,
    clock,
    timeoutMs: runtime.config.sensorTimeoutMs,
    leaseMs: leaseFor(runtime.config.sensorTimeoutMs),
    heartbeatTimeoutMs: runtime.config.heartbeatTimeoutMs,
    signal: stopping.signal,
  };
  const monitored = monitoredAssets(runtime, sensors);
  const inFlight = new Map<string, Promise<SensorRoundResult>>();
  /** Run-status sensors a run end woke, to look at as soon as they are free. */
  const woken = new Set<string>();
  let statesEnsured = false;
  let loop: BackgroundLoop | undefined;
  let listener: QueueListener | undefined;
  const unsubscribes: Array<() => void> = [];

  const reportSafely = async (error?: unknown): Promise<void> => {
    try {
      await report(error);
    } catch (reportError) {
      log.debug({ err: reportError }, 'could not record the sensors loop result');
    }
  };

  const attempt = (sensor: AnySensor, wokenNow: boolean): Promise<SensorRoundResult> => {
    const running = (async (): Promise<SensorRoundResult> => {
      try {
        if (sensor.kind === 'sensor') return logAttempt(await evaluateSensor(runtime, sensor, attemptOptions));
        const result = await evaluateRunStatusSensor(runtime, sensor, { ...attemptOptions, monitoredAssets: monitored.get(sensor.name), woken: wokenNow });
        if (result.more) woken.add(sensor.name);
        return logAttempt(result.attempt);
      } catch (error) {
        const quiet = database.availability !== undefined && isConnectionError(error);
        log[quiet ? 'debug' : 'error']({ err: error, sensor: sensor.name }, `sensor attempt failed (its claim expires; retried): ${describeError(error)}`);
        signalLoopError(SENSOR_LOOP);
        await reportSafely(new Error(`sensor '${sensor.name}': ${describeError(error)}`));
        return { sensorName: sensor.name, status: 'error', error: describeError(error) };
      }
    })();
    inFlight.set(sensor.name, running);
    void running.finally(() => {
      inFlight.delete(sensor.name);
      if (woken.has(sensor.name)) loop?.wake();
    });
    return running;
  };

  const logAttempt = (result: SensorAttempt): SensorAttempt => {
    if (result.status === 'lost-claim') log.warn({ sensor: result.sensorName }, 'another daemon evaluated this sensor meanwhile (this one was too slow); nothing stored');
    if (result.status !== 'committed') return result;
    for (const evaluation of result.evaluations) {
      const fields = { sensor: evaluation.sensorName, durationMs: evaluation.durationMs, runId: evaluation.endedRunId ?? undefined };
      if (evaluation.outcome === 'failed') log.warn({ ...fields, error: evaluation.error }, 'sensor evaluation failed (retried at the next interval)');
      else if (evaluation.outcome === 'requested') log.info({ ...fields, runs: evaluation.runRequests.map((run) => run.runId) }, 'sensor requested runs');
      else log.debug({ ...fields, reason: evaluation.skipReason }, 'sensor skipped');
    }
    return result;
  };

  /** Starts the attempts due now; returns them (the loop does not wait, evaluateDue does). */
  const round = async (wakeAll: boolean): Promise<Array<Promise<SensorRoundResult>>> => {
    if (sensors.length === 0) return [];
    if (!statesEnsured) {
      const created = clock.now();
      await ensureSensorStates(database.db, sensors.map((sensor) => ({ name: sensor.name })), created);
      statesEnsured = true;
    }
    const states = await listSensorStates(database.db);
    const now = clock.now();
    const started: Array<Promise<SensorRoundResult>> = [];
    for (const sensor of sensors) {
      if (inFlight.has(sensor.name)) continue;
      const wokenNow = sensor.kind === 'run-status-sensor' && (wakeAll || woken.has(sensor.name));
      if (!isDue(sensor, states.get(sensor.name), now, wokenNow)) continue;
      woken.delete(sensor.name);
      started.push(attempt(sensor, wokenNow));
    }
    return started;
  };

  const wakeRunStatus = (): void => {
    let any = false;
    for (const sensor of sensors) {
      if (sensor.kind !== 'run-status-sensor') continue;
      woken.add(sensor.name);
      any = true;
    }
    if (any) loop?.wake();
  };

  return Object.freeze({
    sensors,
    async evaluateDue(request: { readonly woken?: boolean } = {}) {
      return Promise.all(await round(request.woken === true));
    },
    async start() {
      if (loop !== undefined || sensors.length === 0) return;
      if (sensors.some((sensor) => sensor.kind === 'run-status-sensor')) {
        unsubscribes.push(
          runtime.events.subscribe((event) => {
            if (event.type === 'run:succeeded' || event.type === 'run:failed' || event.type === 'run:canceled') wakeRunStatus();
          }),
          onRunFinished(database, wakeRunStatus),
        );
        listener = await listenForQueueSignals(database, log);
      }
      loop = startBackgroundLoop({
        name: SENSOR_LOOP,
        intervalMs: options.pollIntervalMs ?? pollIntervalFor(sensors),
        clock,
        logger: runtime.logger,
        iteration: async () => {
          await round(false);
        },
        report: reportSafely,
        availability: availabilityOf(database),
      });
      log.info({ sensors: sensors.map((sensor) => `${sensor.name} (${sensor.kind}, every ${sensor.minimumIntervalSeconds} s)`) }, 'sensors started');
    },
    async stop() {
      for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
      stopping.abort(new Error('the daemon is stopping'));
      await loop?.stop();
      loop = undefined;
      await Promise.allSettled([...inFlight.values()]);
      await listener?.close();
      listener = undefined;
    },
  });
}

/**
 * On, and its interval passed (or, for a run-status sensor, a run ended). A claim held is left to
 * claimSensor to judge: it is free early when its daemon is gone, which this process cannot see.
 */
function isDue(sensor: AnySensor, state: SensorState | undefined, now: Date, wokenNow: boolean): boolean {
  if (effectiveStatus(state, sensor.defaultStatus) !== 'running') return false;
  if (wokenNow || state?.lastEvaluatedAt == null) return true;
  return state.lastEvaluatedAt.getTime() + sensor.minimumIntervalSeconds * 1000 <= now.getTime();
}

function pollIntervalFor(sensors: readonly AnySensor[]): number {
  const shortest = Math.min(...sensors.map((sensor) => sensor.minimumIntervalSeconds * 1000));
  return Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, Math.floor(shortest)));
}

/** The asset keys each run-status sensor's monitoredSelection names (validated when definitions load). */
function monitoredAssets(runtime: Runtime, sensors: readonly AnySensor[]): Map<string, readonly string[]> {
  const assets = new Map<string, readonly string[]>();
  for (const sensor of sensors.filter((candidate): candidate is RunStatusSensorDefinition => candidate.kind === 'run-status-sensor')) {
    if (sensor.monitoredSelection !== undefined) assets.set(sensor.name, select(runtime.graph, sensor.monitoredSelection));
  }
  return assets;
}
