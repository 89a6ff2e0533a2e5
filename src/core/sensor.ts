/**
 * Sensors: code the daemon evaluates every `minimumIntervalSeconds` to decide whether something
 * happened that should start runs (a file arrived, an external table changed). An evaluation
 * returns run requests and/or a skip reason and may move the sensor's cursor, which Strata
 * stores with the evaluation; a run request's `runKey` makes the same request never start two
 * runs. Run-status sensors react to runs ending instead (src/core/run-status-sensor.ts).
 * Definitions are data, validated here; the daemon evaluates them (src/daemon/sensors/).
 *
 * ```ts
 * const newOrders = defineSensor({
 *   name: 'new_orders',
 *   minimumIntervalSeconds: 60,
 *   async evaluate(ctx) {
 *     const latest = await latestOrderId();
 *     if (String(latest) === ctx.cursor) return { skipReason: 'no new orders' };
 *     return { runRequests: [{ selection: 'silver/orders+', runKey: `orders-${latest}` }], cursor: String(latest) };
 *   },
 * });
 * ```
 */
import { recordDefinitionSite } from './definition-site.js';
import { DefinitionError } from './errors.js';
import type { Clock, Resources, RunStatus, StepLogger } from './types.js';

/** One run a sensor asks for. */
export interface SensorRunRequest {
  /** Selection syntax, as `strata materialize` takes it (`silver/orders+`, `gold/*`). */
  readonly selection: string;
  /** Default: the partition that contains now, for partitioned assets. */
  readonly partitionKey?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** The same key (per sensor) never makes two runs, across evaluations, restarts and daemons. */
  readonly runKey?: string;
}

/** What an evaluation returns; `undefined` (or `{}`) means "nothing to do" and is recorded as a skip. */
export interface SensorResult {
  readonly runRequests?: readonly SensorRunRequest[];
  /** Why nothing was requested, in words: shown with the evaluation. */
  readonly skipReason?: string;
  /** The cursor stored for the next evaluation; undefined keeps the current one. */
  readonly cursor?: string;
}

/** A run a sensor requested, as `ctx.runForKey` reports it. */
export interface SensorRun {
  readonly id: string;
  readonly runKey: string;
  readonly status: RunStatus;
  /** The run's error when it failed (the first lines of the failed step's error otherwise). */
  readonly error: string | null;
  readonly createdAt: Date;
  readonly endedAt: Date | null;
  readonly tags: Readonly<Record<string, string>>;
  /**
   * A FAILURE that is not final: its worker was lost and the run monitor is queueing its retry
   * (runForKey reports the retry once it exists). False for every other run.
   */
  readonly retryPending: boolean;
}

export interface SensorContext {
  readonly sensorName: string;
  /** What the previous evaluation stored as its cursor; undefined before the first. */
  readonly cursor: string | undefined;
  /** When the previous evaluation of this sensor ran (by any daemon). */
  readonly lastEvaluatedAt: Date | undefined;
  readonly clock: Clock;
  /** Lines logged here are stored with the evaluation. */
  readonly log: StepLogger;
  readonly resources: Resources;
  /** Aborted when the daemon stops: long evaluations should give up. */
  readonly signal: AbortSignal;
  /**
   * The run this sensor requested with `runKey` (its latest retry when it was retried), or
   * undefined when it requested none with that key.
   */
  runForKey(runKey: string): Promise<SensorRun | undefined>;
}

export type SensorStatus = 'running' | 'stopped';

export interface SensorSpec {
  /** snake_case; unique among the sensors of a deployment. */
  readonly name: string;
  readonly description?: string;
  /** Seconds between two evaluations (by any daemon). Default 30. */
  readonly minimumIntervalSeconds?: number;
  /** Whether a new sensor starts switched on; an operator's switch in the UI/API wins afterwards. Default 'running'. */
  readonly defaultStatus?: SensorStatus;
  readonly evaluate: (ctx: SensorContext) => SensorResult | undefined | Promise<SensorResult | undefined>;
}

export interface SensorDefinition {
  readonly kind: 'sensor';
  readonly name: string;
  readonly description: string;
  readonly minimumIntervalSeconds: number;
  readonly defaultStatus: SensorStatus;
  readonly evaluate: SensorSpec['evaluate'];
}

export const DEFAULT_SENSOR_INTERVAL_SECONDS = 30;
/** A sensor evaluated more often than this would be a busy loop on the database. */
export const MIN_SENSOR_INTERVAL_SECONDS = 0.1;
const SENSOR_NAME = /^[a-z][a-z0-9_]*$/;

export function defineSensor(spec: SensorSpec): SensorDefinition {
  assertSensorName(spec.name);
  if (typeof spec.evaluate !== 'function') throw new DefinitionError(`sensor '${spec.name}': evaluate must be a function`);
  const minimumIntervalSeconds = sensorInterval(spec.name, spec.minimumIntervalSeconds);
  const definition: SensorDefinition = Object.freeze({
    kind: 'sensor',
    name: spec.name,
    description: spec.description ?? '',
    minimumIntervalSeconds,
    defaultStatus: sensorStatus(spec.name, spec.defaultStatus),
    evaluate: spec.evaluate,
  });
  recordDefinitionSite(definition);
  return definition;
}

export function assertSensorName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !SENSOR_NAME.test(name)) {
    throw new DefinitionError(`sensor name ${JSON.stringify(name)} must be snake_case (a-z, 0-9, _; starting with a letter)`);
  }
}

export function sensorInterval(name: string, seconds: number | undefined): number {
  const value = seconds ?? DEFAULT_SENSOR_INTERVAL_SECONDS;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < MIN_SENSOR_INTERVAL_SECONDS) {
    throw new DefinitionError(`sensor '${name}': minimumIntervalSeconds must be a number ≥ ${MIN_SENSOR_INTERVAL_SECONDS}, got ${String(seconds)}`);
  }
  return value;
}

export function sensorStatus(name: string, status: SensorStatus | undefined): SensorStatus {
  const value = status ?? 'running';
  if (value !== 'running' && value !== 'stopped') throw new DefinitionError(`sensor '${name}': defaultStatus must be 'running' or 'stopped', got ${String(status)}`);
  return value;
}
