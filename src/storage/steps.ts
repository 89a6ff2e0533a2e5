/** Reading a run's steps (kept in sync with the event log by recordEvent). */
import type { Kysely } from 'kysely';
import type { StepStatus } from '../core/types.js';
import type { Database } from './schema.js';

export interface Step {
  readonly assetKey: string;
  readonly partitionKey: string | null;
  readonly status: StepStatus;
  readonly attempts: number;
  readonly startedAt: Date | null;
  readonly endedAt: Date | null;
  readonly durationMs: number | null;
  readonly error: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** In the order they started (skipped steps, which never start, last). */
export async function stepsForRun(db: Kysely<Database>, runId: string): Promise<Step[]> {
  const rows = await db
    .selectFrom('strata.steps')
    .selectAll()
    .where('run_id', '=', runId)
    .orderBy('started_at', (ob) => ob.asc().nullsLast())
    .orderBy('asset_key')
    .execute();
  return rows.map((row) => ({
    assetKey: row.asset_key,
    partitionKey: row.partition_key === '' ? null : row.partition_key,
    status: row.status,
    attempts: row.attempts,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    durationMs: row.duration_ms,
    error: row.error,
    metadata: row.metadata,
  }));
}
