/**
 * The one transaction that records what an evaluation decided: the sensor's new cursor and
 * evaluation time (compare-and-set on the claimed version), the evaluation rows, the runs they
 * requested and, for run-status sensors, the runs now handled. Either all of it or none: a
 * daemon that lost its claim (another evaluated meanwhile) rolls back, so no evaluation is
 * recorded twice and a cursor never moves backwards.
 *
 * A skip that repeats the sensor's previous evaluation (same reason, cursor unchanged and equal
 * to that row's, no logs, no runs) adds 1 to that row's `repeated` instead of a row: "inbox
 * empty ×1,234 until 15:02:11". Any change, a request or a failure starts a new row. It is the
 * same transaction, after the compare-and-set, so a lost claim folds nothing either.
 */
import { sql, type Kysely } from 'kysely';
import { createRun, type CreateRunInput } from './runs.js';
import type { Database } from './schema.js';
import { toSensorEvaluation, type SensorEvaluation } from './sensor-evaluations.js';
import { settleSensorClaim, type SensorState } from './sensor-state.js';
import { sensorDb, type SensorLogLine, type SensorOutcome, type StoredRunRequest } from './sensor-tables.js';

export interface RunToQueue {
  /** The sensor's own key (stored on the run as `sensor:<name>:<key>`); null: no key, always a new run. */
  readonly runKey: string | null;
  /** What prepareRun made of the request, with its run_key already set. */
  readonly input: CreateRunInput;
}

export interface EvaluationToStore {
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly outcome: SensorOutcome;
  readonly skipReason: string | null;
  readonly error: string | null;
  readonly cursorBefore: string | null;
  readonly cursorAfter: string | null;
  readonly logs: readonly SensorLogLine[];
  readonly runs: readonly RunToQueue[];
  /** Run-status sensors: the ended run handed to the sensor; `handled` false when its handler failed (offered again). */
  readonly endedRun?: { readonly runId: string; readonly endedAt: Date; readonly outcome: string; readonly handled: boolean };
}

export interface CommitSensorInput {
  readonly claimed: SensorState;
  readonly daemonId: string;
  /** The cursor to store (the claimed one to keep it). */
  readonly cursor: string | null;
  readonly evaluatedAt: Date;
  readonly evaluations: readonly EvaluationToStore[];
}

export interface CommitSensorResult {
  /** False: the claim was lost to another daemon; nothing was stored. */
  readonly committed: boolean;
  readonly evaluations: readonly SensorEvaluation[];
  /** Runs queued by this commit (not counting keys that already had a run). */
  readonly newRuns: number;
}

class ClaimLost extends Error {}

export async function commitSensorEvaluations(db: Kysely<Database>, input: CommitSensorInput): Promise<CommitSensorResult> {
  try {
    return await db.transaction().execute(async (trx) => {
      // First, so the row lock orders two late commits of one sensor and the loser stores nothing.
      if (!(await settleSensorClaim(trx, { claimed: input.claimed, cursor: input.cursor, evaluatedAt: input.evaluatedAt }))) throw new ClaimLost();
      const evaluations: SensorEvaluation[] = [];
      let newRuns = 0;
      for (const evaluation of input.evaluations) {
        const repeat = isRepeatable(evaluation) ? await foldIntoPrevious(trx, input.claimed.name, evaluation) : undefined;
        if (repeat !== undefined) {
          evaluations.push(repeat);
          continue;
        }
        const requests: StoredRunRequest[] = [];
        for (const run of evaluation.runs) {
          const stored = await queueOnce(trx, run);
          if (!stored.existed) newRuns += 1;
          requests.push(stored);
        }
        const row = await sensorDb(trx)
          .insertInto('strata.sensor_evaluations')
          .values({
            sensor_name: input.claimed.name,
            daemon_id: input.daemonId,
            started_at: evaluation.startedAt,
            ended_at: evaluation.endedAt,
            duration_ms: Math.max(0, Math.round(evaluation.endedAt.getTime() - evaluation.startedAt.getTime())),
            outcome: evaluation.outcome,
            skip_reason: evaluation.skipReason,
            error: evaluation.error,
            cursor_before: evaluation.cursorBefore,
            cursor_after: evaluation.cursorAfter,
            run_requests: JSON.stringify(requests),
            logs: JSON.stringify(evaluation.logs),
            ended_run_id: evaluation.endedRun?.runId ?? null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        evaluations.push(toSensorEvaluation(row));
        if (evaluation.endedRun !== undefined) await markRun(trx, input.claimed.name, evaluation.endedRun, row.id, input.evaluatedAt);
      }
      return { committed: true, evaluations, newRuns };
    });
  } catch (error) {
    if (error instanceof ClaimLost) return { committed: false, evaluations: [], newRuns: 0 };
    throw error;
  }
}

/** A plain skip: nothing requested, logged or handled, the cursor kept. */
function isRepeatable(evaluation: EvaluationToStore): boolean {
  return (
    evaluation.outcome === 'skipped' &&
    evaluation.runs.length === 0 &&
    evaluation.logs.length === 0 &&
    evaluation.endedRun === undefined &&
    evaluation.cursorBefore === evaluation.cursorAfter
  );
}

/** Counts the evaluation on the sensor's latest row when that row is the same skip; undefined when it is not. */
async function foldIntoPrevious(trx: Kysely<Database>, sensorName: string, evaluation: EvaluationToStore): Promise<SensorEvaluation | undefined> {
  const sdb = sensorDb(trx);
  const row = await sdb
    .updateTable('strata.sensor_evaluations')
    .set((eb) => ({ repeated: eb('repeated', '+', 1), last_at: evaluation.startedAt }))
    .where('id', '=', (eb) => eb.selectFrom('strata.sensor_evaluations').select('id').where('sensor_name', '=', sensorName).orderBy('id', 'desc').limit(1))
    .where('outcome', '=', 'skipped')
    .where(sql<boolean>`skip_reason IS NOT DISTINCT FROM ${evaluation.skipReason}`)
    .where(sql<boolean>`cursor_before IS NOT DISTINCT FROM ${evaluation.cursorBefore}`)
    .where(sql<boolean>`cursor_after IS NOT DISTINCT FROM ${evaluation.cursorAfter}`)
    .where(sql<boolean>`logs = '[]'::jsonb AND run_requests = '[]'::jsonb`)
    .where('ended_run_id', 'is', null)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toSensorEvaluation(row);
}

/** The run for the key, created unless the key already has one (then that run, reported as existing). */
async function queueOnce(trx: Kysely<Database>, run: RunToQueue): Promise<StoredRunRequest> {
  const key = run.input.runKey ?? null;
  const existing = key === null ? undefined : await trx.selectFrom('strata.runs').select('id').where('run_key', '=', key).executeTakeFirst();
  const created = await createRun(trx, run.input);
  return {
    runKey: run.runKey,
    runId: created.id,
    selection: created.selection,
    partitionKey: created.partitionKey,
    existed: existing !== undefined,
  };
}

async function markRun(
  trx: Kysely<Database>,
  sensorName: string,
  ended: NonNullable<EvaluationToStore['endedRun']>,
  evaluationId: number,
  at: Date,
): Promise<void> {
  const handledAt = ended.handled ? at : null;
  await sensorDb(trx)
    .insertInto('strata.run_status_sensor_runs')
    .values({ sensor_name: sensorName, run_id: ended.runId, run_ended_at: ended.endedAt, outcome: ended.outcome, attempts: 1, handled_at: handledAt, evaluation_id: evaluationId })
    .onConflict((oc) =>
      oc.columns(['sensor_name', 'run_id']).doUpdateSet((eb) => ({
        attempts: eb('strata.run_status_sensor_runs.attempts', '+', 1),
        handled_at: handledAt,
        evaluation_id: evaluationId,
      })),
    )
    .execute();
}
