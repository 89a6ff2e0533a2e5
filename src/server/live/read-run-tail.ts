/**
 * What a live run page needs after a wake-up, in ONE statement: the run's status and its events
 * after an id. One snapshot for both, so a terminal status is never seen before the events that
 * led to it (they commit in one transaction), and one round trip per followed run, however many
 * streams follow it.
 */
import { type Kysely, sql } from 'kysely';
import type { RunStatus } from '../../core/types.js';
import { type Database, type StoredEvent } from '../../storage/index.js';
import { toStoredEvent } from '../../storage/event-log.js';
import type { EventsTable } from '../../storage/schema.js';
import type { Selectable } from 'kysely';

export interface RunTail {
  readonly status: RunStatus;
  /** Oldest first, at most `limit`. */
  readonly events: readonly StoredEvent[];
  /** More events may follow the last one here. */
  readonly hasMore: boolean;
}

type Row = { status: RunStatus } & { [K in keyof Selectable<EventsTable>]: Selectable<EventsTable>[K] | null };

/** Undefined: no such run (it was purged). */
export async function readRunTail(db: Kysely<Database>, runId: string, after: number, limit: number): Promise<RunTail | undefined> {
  const { rows } = await sql<Row>`
    SELECT r.status, e.id, e.run_id, e.type, e.at, e.asset_key, e.partition_key, e.level, e.message, e.payload
    FROM strata.runs r
    LEFT JOIN LATERAL (
      SELECT * FROM strata.events WHERE run_id = r.id AND id > ${after} ORDER BY id LIMIT ${limit + 1}
    ) e ON true
    WHERE r.id = ${runId}`.execute(db);
  const first = rows[0];
  if (first === undefined) return undefined;
  const events = rows.flatMap((row) => (row.id === null ? [] : [toStoredEvent(row as Selectable<EventsTable>)]));
  return { status: first.status, events: events.slice(0, limit), hasMore: events.length > limit };
}
