/**
 * Applies a batch of recorded events (one run's, or a group commit's from many runs) to the
 * current-state tables with a statement per table and row shape instead of one per event: a
 * group commit of eight no-op runs is then about six statements, not fifty. The result is the
 * one the events applied one by one (applyEvent) would leave:
 *
 * - a run's transitions in the batch fold into one compare-and-set from the statuses that lead
 *   to the first of them (a chain the lifecycle forbids is refused before anything is written);
 * - a step's changes fold in order into one upsert (a materialization keeps the status);
 * - of two materializations of one partition, the later wins, as the upsert's guard decides.
 */
import { type Insertable, type Transaction, sql } from 'kysely';
import type { RunEvent, RunStatus } from '../core/types.js';
import { IllegalRunTransitionError, RunNotFoundError } from './errors.js';
import { type StepChange, runTransitionOf, stepChangeOf } from './event-effects.js';
import { canTransition, isTerminalRunStatus, statusesLeadingTo } from './run-status.js';
import type { Database, MaterializationsTable, StepsTable } from './schema.js';

interface RunChange {
  readonly from: readonly RunStatus[];
  to: RunStatus;
  startedAt?: Date;
  endedAt?: Date;
  error?: string;
}

interface FoldedStep {
  readonly values: Record<string, unknown>;
  readonly update: Record<string, unknown>;
}

export async function applyEventBatch(trx: Transaction<Database>, events: readonly RunEvent[], ids: readonly number[]): Promise<void> {
  const runs = new Map<string, RunChange>();
  const steps = new Map<string, FoldedStep>();
  const materializations = new Map<string, Insertable<MaterializationsTable>>();
  const checks: Insertable<Database['strata.check_results']>[] = [];
  for (const [index, event] of events.entries()) {
    const transition = runTransitionOf(event);
    if (transition !== undefined) foldRun(runs, event.runId, transition.to, event.at, transition.error);
    const step = stepChangeOf(event);
    if (step !== undefined) foldStep(steps, { run_id: event.runId, asset_key: step.assetKey, partition_key: step.partition ?? '' }, step.change, step.keepStatus);
    if (event.type === 'asset:materialized') {
      const key = `${event.assetKey}|${event.partition ?? ''}`;
      const earlier = materializations.get(key);
      if (earlier === undefined || (earlier.materialized_at as Date) <= event.at) {
        materializations.set(key, {
          asset_key: event.assetKey,
          partition_key: event.partition ?? '',
          run_id: event.runId,
          event_id: ids[index] as number,
          materialized_at: event.at,
          value: JSON.stringify(event.value ?? null),
          metadata: JSON.stringify(event.metadata),
        });
      }
    }
    if (event.type === 'check:evaluated') {
      checks.push({
        run_id: event.runId,
        asset_key: event.assetKey,
        partition_key: event.partition ?? '',
        check_name: event.check,
        severity: event.severity,
        passed: event.passed,
        message: event.message,
        metadata: JSON.stringify(event.metadata),
        evaluated_at: event.at,
      });
    }
  }
  await updateRuns(trx, runs);
  await upsertSteps(trx, [...steps.values()]);
  await upsertMaterializations(trx, [...materializations.values()]);
  if (checks.length > 0) await trx.insertInto('strata.check_results').values(checks).execute();
}

function foldRun(runs: Map<string, RunChange>, runId: string, to: RunStatus, at: Date, error: string | undefined): void {
  let change = runs.get(runId);
  if (change === undefined) {
    change = { from: statusesLeadingTo(to), to };
    runs.set(runId, change);
  } else if (!canTransition(change.to, to)) {
    throw new IllegalRunTransitionError(runId, change.to, to);
  }
  change.to = to;
  if (to === 'STARTED') change.startedAt = at;
  if (isTerminalRunStatus(to)) change.endedAt = at;
  if (to === 'FAILURE' && error !== undefined) change.error = error;
}

function foldStep(steps: Map<string, FoldedStep>, key: Pick<StepsTable, 'run_id' | 'asset_key' | 'partition_key'>, change: StepChange, keepStatus: boolean): void {
  const id = `${key.run_id}|${key.asset_key}|${key.partition_key}`;
  const { status, ...rest } = change;
  const update: Record<string, unknown> = keepStatus ? rest : { status, ...rest };
  const folded = steps.get(id);
  // A new row takes the first event's status even when it keeps status (a materialization first).
  if (folded === undefined) steps.set(id, { values: { ...key, ...change }, update });
  else {
    Object.assign(folded.values, update);
    Object.assign(folded.update, update);
  }
}

/** One UPDATE for every run; a run not in a status that leads to its first transition is refused, as setRunStatus refuses it. */
async function updateRuns(trx: Transaction<Database>, runs: ReadonlyMap<string, RunChange>): Promise<void> {
  if (runs.size === 0) return;
  const rows = [...runs].map(([id, change]) => ({
    id,
    from: change.from,
    to: change.to,
    started_at: change.startedAt?.toISOString() ?? null,
    ended_at: change.endedAt?.toISOString() ?? null,
    error: change.error ?? null,
  }));
  const { rows: updated } = await sql<{ id: string }>`
    UPDATE strata.runs r SET
      status = v.to,
      started_at = COALESCE(v.started_at, r.started_at),
      ended_at = COALESCE(v.ended_at, r.ended_at),
      error = COALESCE(v.error, r.error)
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      AS v(id uuid, "from" text[], "to" text, started_at timestamptz, ended_at timestamptz, error text)
    WHERE r.id = v.id AND r.status = ANY(v."from")
    RETURNING r.id`.execute(trx);
  if (updated.length === runs.size) return;
  const done = new Set(updated.map((row) => row.id));
  const refused = rows.find((row) => !done.has(row.id));
  if (refused === undefined) return;
  const current = await trx.selectFrom('strata.runs').select('status').where('id', '=', refused.id).executeTakeFirst();
  if (current === undefined) throw new RunNotFoundError(refused.id);
  throw new IllegalRunTransitionError(refused.id, current.status, runs.get(refused.id)?.to ?? refused.to);
}

/** Rows with the same columns go in one upsert: the columns a step's events changed are the ones updated. */
async function upsertSteps(trx: Transaction<Database>, steps: readonly FoldedStep[]): Promise<void> {
  const shapes = new Map<string, FoldedStep[]>();
  for (const step of steps) {
    const shape = `${Object.keys(step.values).sort().join(',')}|${Object.keys(step.update).sort().join(',')}`;
    shapes.set(shape, [...(shapes.get(shape) ?? []), step]);
  }
  for (const group of shapes.values()) {
    const columns = Object.keys(group[0]?.update ?? {}) as (keyof StepsTable)[];
    await trx
      .insertInto('strata.steps')
      .values(group.map((step) => step.values as Insertable<StepsTable>))
      .onConflict((oc) =>
        oc
          .columns(['run_id', 'asset_key', 'partition_key'])
          .doUpdateSet((eb) => Object.fromEntries(columns.map((column) => [column, eb.ref(`excluded.${column}`)])) as Record<keyof StepsTable, never>),
      )
      .execute();
  }
}

async function upsertMaterializations(trx: Transaction<Database>, rows: readonly Insertable<MaterializationsTable>[]): Promise<void> {
  if (rows.length === 0) return;
  await trx
    .insertInto('strata.materializations')
    .values(rows)
    .onConflict((oc) =>
      oc
        .columns(['asset_key', 'partition_key'])
        .doUpdateSet((eb) => ({
          run_id: eb.ref('excluded.run_id'),
          event_id: eb.ref('excluded.event_id'),
          materialized_at: eb.ref('excluded.materialized_at'),
          value: eb.ref('excluded.value'),
          metadata: eb.ref('excluded.metadata'),
        }))
        // An older event delivered late must not replace a newer materialization.
        .where('strata.materializations.materialized_at', '<=', (eb) => eb.ref('excluded.materialized_at')),
    )
    .execute();
}
