/**
 * Sensor evaluations as stored: one row per evaluation (per handled run, for run-status
 * sensors), except that a skip repeating the previous row exactly is counted on it (`repeated`,
 * `lastAt`); read newest first by id. Written only by commitSensorEvaluations.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database } from './schema.js';
import { sensorDb, type SensorEvaluationsTable, type SensorLogLine, type SensorOutcome, type StoredRunRequest } from './sensor-tables.js';

export interface SensorEvaluation {
  readonly id: number;
  readonly sensorName: string;
  /** The daemon that evaluated. */
  readonly daemonId: string | null;
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly durationMs: number;
  readonly outcome: SensorOutcome;
  readonly skipReason: string | null;
  readonly error: string | null;
  readonly cursorBefore: string | null;
  readonly cursorAfter: string | null;
  readonly runRequests: readonly StoredRunRequest[];
  readonly logs: readonly SensorLogLine[];
  /** Run-status sensors: the ended run this evaluation handled. */
  readonly endedRunId: string | null;
  /** How many evaluations this row stands for: 1, or more when later identical skips were folded into it. */
  readonly count: number;
  /** When the last of them started (startedAt when count is 1). */
  readonly lastAt: Date;
}

export function toSensorEvaluation(row: Selectable<SensorEvaluationsTable>): SensorEvaluation {
  return {
    id: row.id,
    sensorName: row.sensor_name,
    daemonId: row.daemon_id,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    durationMs: row.duration_ms,
    outcome: row.outcome,
    skipReason: row.skip_reason,
    error: row.error,
    cursorBefore: row.cursor_before,
    cursorAfter: row.cursor_after,
    runRequests: row.run_requests,
    logs: row.logs,
    endedRunId: row.ended_run_id,
    count: row.repeated + 1,
    lastAt: row.last_at ?? row.started_at,
  };
}

export interface SensorEvaluationPage {
  readonly evaluations: readonly SensorEvaluation[];
  /** Pass as `before` for older evaluations; undefined on the last page. */
  readonly nextBefore: number | undefined;
}

/** A sensor's evaluations, newest first, `limit` per page, before the id `before` (sensor_evaluations_sensor_id_idx). */
export async function listSensorEvaluations(
  db: Kysely<Database>,
  sensorName: string,
  page: { readonly limit: number; readonly before?: number | undefined },
): Promise<SensorEvaluationPage> {
  let query = sensorDb(db)
    .selectFrom('strata.sensor_evaluations')
    .selectAll()
    .where('sensor_name', '=', sensorName)
    .orderBy('id', 'desc')
    .limit(page.limit + 1);
  if (page.before !== undefined) query = query.where('id', '<', page.before);
  const rows = await query.execute();
  const evaluations = rows.slice(0, page.limit).map(toSensorEvaluation);
  const last = evaluations.at(-1);
  return { evaluations, nextBefore: rows.length > page.limit && last !== undefined ? last.id : undefined };
}

/** The latest evaluation of each sensor that has one, by sensor name. */
export async function latestSensorEvaluations(db: Kysely<Database>): Promise<Map<string, SensorEvaluation>> {
  const rows = await sensorDb(db)
    .selectFrom('strata.sensor_evaluations')
    .selectAll()
    .distinctOn('sensor_name')
    .orderBy('sensor_name')
    .orderBy('id', 'desc')
    .execute();
  return new Map(rows.map((row) => [row.sensor_name, toSensorEvaluation(row)]));
}
