/**
 * Read models of sensors, shared by the JSON API, the HTML UI and `strata sensors`:
 *
 * - `sensorList(runtime)`: each sensor with its kind, on/off (and who switched it), interval,
 *   latest evaluation and when it is next due.
 * - `sensorDetail(runtime, name, page)`: the same, with its evaluations (newest first, paged by
 *   `before` = the id of the last evaluation of a page) and counts by outcome.
 * - `switchSensor(runtime, name, status, by)`: start or stop one (every daemon follows).
 *
 * Unknown names throw SensorNotFoundError (404).
 */
import { sql } from 'kysely';
import { StrataError } from '../../core/errors.js';
import type { AnySensor, RunOutcome } from '../../core/run-status-sensor.js';
import type { SensorStatus } from '../../core/sensor.js';
import type { Runtime } from '../../runtime.js';
import { latestSensorEvaluations, listSensorEvaluations, type SensorEvaluation } from '../../storage/sensor-evaluations.js';
import { effectiveStatus, getSensorState, listSensorStates, setSensorStatus, type SensorState } from '../../storage/sensor-state.js';
import { sensorDb, type SensorOutcome } from '../../storage/sensor-tables.js';

export class SensorNotFoundError extends StrataError {
  constructor(name: string, known: readonly string[]) {
    super('SENSOR_NOT_FOUND', `no sensor '${name}'; sensors: ${known.join(', ') || '(none)'}`);
  }
}

export const EVALUATIONS_PAGE = 50;
export const MAX_EVALUATIONS_PAGE = 500;

export interface SensorSummary {
  readonly name: string;
  readonly kind: AnySensor['kind'];
  readonly description: string;
  readonly status: SensorStatus;
  /** Who set the status: the definition's defaultStatus until an operator switches the sensor. */
  readonly statusSource: 'default' | 'operator';
  readonly statusChangedBy: string | null;
  readonly statusChangedAt: Date | null;
  readonly minimumIntervalSeconds: number;
  /** Run-status sensors: the outcomes watched, and the selection whose runs they watch (null: every run). */
  readonly on: readonly RunOutcome[] | null;
  readonly monitoredSelection: string | null;
  readonly cursor: string | null;
  readonly lastEvaluatedAt: Date | null;
  /** When a daemon evaluates it next (at the latest: run-status sensors also look when a run ends); null when stopped. */
  readonly nextDueAt: Date | null;
  readonly latestEvaluation: SensorEvaluation | null;
}

export interface SensorDetail extends SensorSummary {
  readonly evaluationCounts: Readonly<Record<SensorOutcome, number>>;
  /** Newest first. */
  readonly evaluations: readonly SensorEvaluation[];
  /** Pass as `before` for older evaluations; null on the last page. */
  readonly nextBefore: number | null;
}

export function requireSensor(runtime: Runtime, name: string): AnySensor {
  const sensor = runtime.sensors.find((candidate) => candidate.name === name);
  if (sensor === undefined) throw new SensorNotFoundError(name, runtime.sensors.map((candidate) => candidate.name));
  return sensor;
}

function summary(runtime: Runtime, sensor: AnySensor, state: SensorState | undefined, latest: SensorEvaluation | null): SensorSummary {
  const status = effectiveStatus(state, sensor.defaultStatus);
  const last = state?.lastEvaluatedAt ?? null;
  const due = last === null ? runtime.clock.now() : new Date(last.getTime() + sensor.minimumIntervalSeconds * 1000);
  return {
    name: sensor.name,
    kind: sensor.kind,
    description: sensor.description,
    status,
    statusSource: state?.status == null ? 'default' : 'operator',
    statusChangedBy: state?.statusChangedBy ?? null,
    statusChangedAt: state?.statusChangedAt ?? null,
    minimumIntervalSeconds: sensor.minimumIntervalSeconds,
    on: sensor.kind === 'run-status-sensor' ? sensor.on : null,
    monitoredSelection: sensor.kind === 'run-status-sensor' ? (sensor.monitoredSelection ?? null) : null,
    cursor: state?.cursor ?? null,
    lastEvaluatedAt: last,
    nextDueAt: status === 'running' ? due : null,
    latestEvaluation: latest,
  };
}

export async function sensorList(runtime: Runtime): Promise<SensorSummary[]> {
  const { db } = runtime.database;
  const [states, latest] = await Promise.all([listSensorStates(db), latestSensorEvaluations(db)]);
  return runtime.sensors.map((sensor) => summary(runtime, sensor, states.get(sensor.name), latest.get(sensor.name) ?? null));
}

export async function sensorDetail(runtime: Runtime, name: string, page: { readonly limit?: number; readonly before?: number } = {}): Promise<SensorDetail> {
  const sensor = requireSensor(runtime, name);
  const { db } = runtime.database;
  const limit = Math.min(Math.max(page.limit ?? EVALUATIONS_PAGE, 1), MAX_EVALUATIONS_PAGE);
  const [state, evaluations, latest, counts] = await Promise.all([
    getSensorState(db, name),
    listSensorEvaluations(db, name, { limit, before: page.before }),
    page.before === undefined ? undefined : listSensorEvaluations(db, name, { limit: 1 }),
    sensorDb(db)
      .selectFrom('strata.sensor_evaluations')
      .select(['outcome', sql<number>`sum(repeated + 1)::int`.as('n')])
      .where('sensor_name', '=', name)
      .groupBy('outcome')
      .execute(),
  ]);
  const newest = (latest ?? evaluations).evaluations[0] ?? null;
  const evaluationCounts: Record<SensorOutcome, number> = { requested: 0, skipped: 0, failed: 0 };
  for (const row of counts) evaluationCounts[row.outcome] = row.n;
  return {
    ...summary(runtime, sensor, state, newest),
    evaluationCounts,
    evaluations: evaluations.evaluations,
    nextBefore: evaluations.nextBefore ?? null,
  };
}

/** Starts or stops a sensor for every daemon; `by` says who (shown with the status). */
export async function switchSensor(runtime: Runtime, name: string, status: SensorStatus, by: string): Promise<SensorSummary> {
  const sensor = requireSensor(runtime, name);
  const { db } = runtime.database;
  const state = await setSensorStatus(db, name, status, by, runtime.clock.now());
  const latest = (await listSensorEvaluations(db, name, { limit: 1 })).evaluations[0] ?? null;
  return summary(runtime, sensor, state, latest);
}
