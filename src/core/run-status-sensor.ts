/**
 * Run-status sensors: code called once for each run that ends in one of the statuses it watches
 * (a failure after its last retry, a success, a cancel, or a run whose blocking check failed),
 * with the run, its failed steps and failed checks. Each ended run is handed to each sensor once,
 * across restarts and daemons; a handler that throws is recorded and the run is offered again at
 * the next evaluation. Notifications build on this.
 *
 * ```ts
 * const pageOnFailure = defineRunStatusSensor({
 *   name: 'page_on_failure',
 *   on: ['failure'],
 *   async handle(ctx) {
 *     await pager.send(`run ${ctx.run.id} failed: ${ctx.failedSteps.map((step) => step.assetKey).join(', ')}`);
 *   },
 * });
 * ```
 */
import { recordDefinitionSite } from './definition-site.js';
import { DefinitionError } from './errors.js';
import { assertSensorName, sensorInterval, sensorStatus, type SensorContext, type SensorDefinition, type SensorResult, type SensorStatus } from './sensor.js';
import type { AssetKey, RunStatus, RunTrigger } from './types.js';

/** What ended runs a run-status sensor watches. `blocking_check_failed`: a blocking check failed in the run (it ended FAILURE). */
export type RunOutcome = 'success' | 'failure' | 'canceled' | 'blocking_check_failed';
export const RUN_OUTCOMES: readonly RunOutcome[] = ['success', 'failure', 'canceled', 'blocking_check_failed'];

export interface EndedRun {
  readonly id: string;
  readonly status: RunStatus;
  readonly trigger: RunTrigger;
  readonly selection: string;
  readonly partitionKey: string | null;
  readonly tags: Readonly<Record<string, string>>;
  readonly runKey: string | null;
  readonly attempt: number;
  readonly error: string | null;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly endedAt: Date;
}

export interface FailedStep {
  readonly assetKey: AssetKey;
  readonly partition: string | null;
  readonly error: string;
}

export interface FailedCheck {
  readonly assetKey: AssetKey;
  readonly partition: string | null;
  readonly checkName: string;
  readonly blocking: boolean;
  readonly message: string;
}

export interface RunStatusSensorContext extends Omit<SensorContext, 'cursor'> {
  readonly run: EndedRun;
  /** Which of the watched outcomes this run matched. */
  readonly outcome: RunOutcome;
  readonly failedSteps: readonly FailedStep[];
  readonly failedChecks: readonly FailedCheck[];
}

export interface RunStatusSensorSpec {
  readonly name: string;
  readonly description?: string;
  readonly on: readonly RunOutcome[];
  /** Only runs that selected one of these assets (selection syntax). Default: every run. */
  readonly monitoredSelection?: string;
  /** Seconds between two looks for ended runs (by any daemon); a run ending also wakes it. Default 30. */
  readonly minimumIntervalSeconds?: number;
  readonly defaultStatus?: SensorStatus;
  /** May request runs too (a retry elsewhere, a cleanup). */
  readonly handle: (ctx: RunStatusSensorContext) => SensorResult | undefined | Promise<SensorResult | undefined>;
}

export interface RunStatusSensorDefinition {
  readonly kind: 'run-status-sensor';
  readonly name: string;
  readonly description: string;
  readonly on: readonly RunOutcome[];
  readonly monitoredSelection: string | undefined;
  readonly minimumIntervalSeconds: number;
  readonly defaultStatus: SensorStatus;
  readonly handle: RunStatusSensorSpec['handle'];
}

export function defineRunStatusSensor(spec: RunStatusSensorSpec): RunStatusSensorDefinition {
  assertSensorName(spec.name);
  if (typeof spec.handle !== 'function') throw new DefinitionError(`sensor '${spec.name}': handle must be a function`);
  if (!Array.isArray(spec.on) || spec.on.length === 0 || spec.on.some((outcome) => !RUN_OUTCOMES.includes(outcome))) {
    throw new DefinitionError(`sensor '${spec.name}': on must list one or more of ${RUN_OUTCOMES.join(', ')}, got ${JSON.stringify(spec.on)}`);
  }
  const definition: RunStatusSensorDefinition = Object.freeze({
    kind: 'run-status-sensor',
    name: spec.name,
    description: spec.description ?? '',
    on: Object.freeze([...new Set(spec.on)]),
    monitoredSelection: spec.monitoredSelection,
    minimumIntervalSeconds: sensorInterval(spec.name, spec.minimumIntervalSeconds),
    defaultStatus: sensorStatus(spec.name, spec.defaultStatus),
    handle: spec.handle,
  });
  recordDefinitionSite(definition);
  return definition;
}

/** Two sensors with one name would share one cursor and one switch. */
export function assertUniqueSensorNames(sensors: readonly AnySensor[]): void {
  const seen = new Set<string>();
  for (const sensor of sensors) {
    if (seen.has(sensor.name)) throw new DefinitionError(`duplicate sensor name '${sensor.name}'`);
    seen.add(sensor.name);
  }
}

/** Either kind of sensor, as definitions list them. */
export type AnySensor = SensorDefinition | RunStatusSensorDefinition;
