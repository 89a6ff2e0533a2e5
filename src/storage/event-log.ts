/**
 * The event log. `recordEvent` appends an event and, in the same transaction, applies it to
 * the tables read for current state (runs, steps, materializations), so they can never
 * disagree with the log. An event the run lifecycle rejects is not recorded at all.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { RunEvent, StepStatus } from '../core/types.js';
import { RunNotFoundError } from './errors.js';
import { UUID_PATTERN, setRunStatus } from './runs.js';
import type { Database, EventLevel, EventsTable } from './schema.js';

export interface StoredEvent {
  /** Increases with every event recorded; use it to resume (`afterId`). */
  readonly id: number;
  readonly event: RunEvent;
}

const FOREIGN_KEY_VIOLATION = '23503';

/** Appends `event` and applies it; returns its id. Throws IllegalRunTransitionError, RunNotFoundError. */
export async function recordEvent(db: Kysely<Database>, event: RunEvent): Promise<number> {
  if (!UUID_PATTERN.test(event.runId)) throw new RunNotFoundError(event.runId);
  try {
    return await db.transaction().execute(async (trx) => {
      const id = await appendEvent(trx, event);
      await applyEvent(trx, event, id);
      return id;
    });
  } catch (error) {
    if (hasCode(error, FOREIGN_KEY_VIOLATION)) throw new RunNotFoundError(event.runId);
    throw error;
  }
}

/**
 * Appends several events of one run and applies them in order, in ONE transaction: a
 * materialization and the step's success are then recorded together (and cost one commit).
 */
export async function recordEvents(db: Kysely<Database>, events: readonly RunEvent[]): Promise<number[]> {
  if (events.length === 1) return [await recordEvent(db, events[0] as RunEvent)];
  for (const event of events) if (!UUID_PATTERN.test(event.runId)) throw new RunNotFoundError(event.runId);
  try {
    return await db.transaction().execute(async (trx) => {
      const ids: number[] = [];
      for (const event of events) {
        const id = await appendEvent(trx, event);
        await applyEvent(trx, event, id);
        ids.push(id);
      }
      return ids;
    });
  } catch (error) {
    if (hasCode(error, FOREIGN_KEY_VIOLATION)) throw new RunNotFoundError(events[0]?.runId ?? '');
    throw error;
  }
}

function hasCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}

async function appendEvent(trx: Transaction<Database>, event: RunEvent): Promise<number> {
  // The payload is the whole event but for the columns that hold type, run and time.
  const { type, runId, at, ...rest } = event;
  const row = await trx
    .insertInto('strata.events')
    .values({
      run_id: runId,
      type,
      at,
      asset_key: 'assetKey' in event ? event.assetKey : null,
      partition_key: 'partition' in event ? event.partition : null,
      level: eventLevel(event),
      message: messageOf(event),
      payload: JSON.stringify(rest),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** The level an event is stored and shown at: failures are errors, skips and failed warn checks warnings. */
export function eventLevel(event: RunEvent): EventLevel {
  switch (event.type) {
    case 'log':
      return event.level;
    case 'run:failed':
    case 'step:failed':
      return 'error';
    case 'step:skipped':
      return 'warn';
    case 'check:evaluated':
      if (event.passed) return 'info';
      return event.severity === 'error' ? 'error' : 'warn';
    default:
      return 'info';
  }
}

function messageOf(event: RunEvent): string | null {
  switch (event.type) {
    case 'log':
    case 'run:failed':
    case 'step:failed':
      return event.message;
    case 'step:skipped':
      return event.reason;
    case 'check:evaluated':
      return `check '${event.check}' ${event.passed ? 'passed' : 'failed'}${event.message === null ? '' : `: ${event.message}`}`;
    default:
      return null;
  }
}

async function applyEvent(trx: Transaction<Database>, event: RunEvent, eventId: number): Promise<void> {
  switch (event.type) {
    case 'run:started':
      await setRunStatus(trx, event.runId, 'STARTED', { at: event.at });
      return;
    case 'run:succeeded':
      await setRunStatus(trx, event.runId, 'SUCCESS', { at: event.at });
      return;
    case 'run:failed':
      await setRunStatus(trx, event.runId, 'FAILURE', { at: event.at, error: event.message });
      return;
    case 'run:canceled':
      await setRunStatus(trx, event.runId, 'CANCELED', { at: event.at });
      return;
    case 'step:started':
      await upsertStep(trx, event, {
        status: 'RUNNING',
        attempts: event.attempt,
        started_at: event.at,
        ended_at: null,
        duration_ms: null,
        error: null,
      });
      return;
    case 'step:succeeded':
      await upsertStep(trx, event, { status: 'SUCCESS', ended_at: event.at, duration_ms: event.durationMs, error: null });
      return;
    case 'step:failed':
      // A failure that will be retried leaves the step RUNNING (waiting out its backoff),
      // with the error of the attempt that failed; the next step:started clears it.
      await upsertStep(trx, event, {
        status: event.willRetry ? 'RUNNING' : 'FAILURE',
        attempts: event.attempt,
        ended_at: event.willRetry ? null : event.at,
        error: event.message,
      });
      return;
    case 'step:skipped':
      await upsertStep(trx, event, { status: 'SKIPPED', ended_at: event.at, error: event.reason });
      return;
    case 'asset:materialized':
      // A range step's materializations (one per partition) belong to the step named by its range.
      await upsertStep(trx, event.range === undefined ? event : { ...event, partition: event.range }, { status: 'RUNNING', metadata: JSON.stringify(event.metadata) }, { keepStatus: true });
      await upsertLatestMaterialization(trx, event, eventId);
      return;
    case 'check:evaluated':
      await trx
        .insertInto('strata.check_results')
        .values({
          run_id: event.runId,
          asset_key: event.assetKey,
          partition_key: event.partition ?? '',
          check_name: event.check,
          severity: event.severity,
          passed: event.passed,
          message: event.message,
          metadata: JSON.stringify(event.metadata),
          evaluated_at: event.at,
        })
        .execute();
      return;
    case 'log':
      return;
  }
}

interface StepChange {
  readonly status: StepStatus;
  readonly attempts?: number;
  readonly started_at?: Date | null;
  readonly ended_at?: Date | null;
  readonly duration_ms?: number | null;
  readonly error?: string | null;
  readonly metadata?: string;
}

type StepEvent = Extract<RunEvent, { assetKey: string; partition: string | null }>;

/**
 * Steps may be recorded without a prior step:started (a skipped step never starts), so every
 * step event is an upsert. `keepStatus` updates an existing step without changing its status.
 */
async function upsertStep(trx: Transaction<Database>, event: StepEvent, change: StepChange, options: { keepStatus?: boolean } = {}): Promise<void> {
  const { status, ...rest } = change;
  await trx
    .insertInto('strata.steps')
    .values({ run_id: event.runId, asset_key: event.assetKey, partition_key: event.partition ?? '', ...change })
    .onConflict((oc) => oc.columns(['run_id', 'asset_key', 'partition_key']).doUpdateSet(options.keepStatus ? rest : change))
    .execute();
}

async function upsertLatestMaterialization(
  trx: Transaction<Database>,
  event: Extract<RunEvent, { type: 'asset:materialized' }>,
  eventId: number,
): Promise<void> {
  await trx
    .insertInto('strata.materializations')
    .values({
      asset_key: event.assetKey,
      partition_key: event.partition ?? '',
      run_id: event.runId,
      event_id: eventId,
      materialized_at: event.at,
      value: JSON.stringify(event.value ?? null),
      metadata: JSON.stringify(event.metadata),
    })
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

export function toStoredEvent(row: Selectable<EventsTable>): StoredEvent {
  // The payload was written by appendEvent from a RunEvent of this `type`.
  const event = { ...row.payload, type: row.type, runId: row.run_id, at: row.at } as RunEvent;
  return { id: row.id, event };
}

export interface EventsForRunOptions {
  /** Only events recorded after this id (to follow a live run). */
  readonly afterId?: number;
  /** Default 1000. */
  readonly limit?: number;
}

/** A run's events in the order they were recorded. */
export async function eventsForRun(db: Kysely<Database>, runId: string, options: EventsForRunOptions = {}): Promise<StoredEvent[]> {
  if (!UUID_PATTERN.test(runId)) return [];
  const rows = await db
    .selectFrom('strata.events')
    .selectAll()
    .where('run_id', '=', runId)
    .where('id', '>', options.afterId ?? 0)
    .orderBy('id')
    .limit(options.limit ?? 1000)
    .execute();
  return rows.map(toStoredEvent);
}
