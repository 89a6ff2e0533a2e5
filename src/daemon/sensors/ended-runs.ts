/**
 * Which ended runs a run-status sensor has still to handle.
 *
 * Run ends are found by `ended_at`, but neither timestamps nor bigserial ids are commit-ordered:
 * a run that ended at 10:00:00.100 may commit after one that ended at 10:00:00.200 has been
 * seen. So the sensor's cursor is a watermark (the latest `ended_at` seen) and every look goes
 * back RUN_STATUS_LOOKBACK_MS before it, skipping the runs in the sensor's handled set
 * (strata.run_status_sensor_runs). A run is missed only if it commits more than the look-back
 * after its `ended_at` (or its worker's clock is that far behind the others).
 *
 * A FAILURE is final only when no retry follows: the monitor retries a run whose worker was
 * lost (error "worker … stopped heartbeating", attempt ≤ max_retries, no cancel), and a worker
 * that shuts down queues the retry (run_key `retry:<id>`) before the run ends. Such a run is
 * not offered; its last attempt is. Step failures are not retried at run level, so they are final.
 */
import { sql, type Kysely } from 'kysely';
import type { RunOutcome } from '../../core/run-status-sensor.js';
import type { RunStatus } from '../../core/types.js';
import type { Run } from '../../storage/index.js';
import { toRun } from '../../storage/runs.js';
import type { Database } from '../../storage/schema.js';
import { retriedFailure } from '../run-monitor.js';

/** How far before the watermark each look reaches: commit delay plus clock skew between workers. */
export const RUN_STATUS_LOOKBACK_MS = 10 * 60_000;
/** A handler that failed this many times for one run gives that run up (recorded). */
export const MAX_HANDLE_ATTEMPTS = 3;

export interface EndedRunsQuery {
  readonly sensorName: string;
  readonly watermark: Date;
  readonly on: readonly RunOutcome[];
  /** Only runs that selected one of these assets; undefined: every run. */
  readonly monitoredAssets: readonly string[] | undefined;
  readonly limit: number;
}

export interface EndedRuns {
  /** Oldest end first. */
  readonly runs: readonly Run[];
  /** The latest `ended_at` of any run from the look-back on (the next watermark when the batch was not full). */
  readonly latestEndedAt: Date | null;
}

/** A check of severity 'error' (blocking: downstream steps are skipped) failed in the run. */
const BLOCKING_CHECK_FAILED = sql<boolean>`EXISTS (SELECT 1 FROM strata.check_results cr WHERE cr.run_id = r.id AND cr.severity = 'error' AND NOT cr.passed)`;

/** Matches no asset key: keeps `IN (…)` valid whatever the list. */
const NO_ASSET = '';

const DIRECT: Partial<Record<RunOutcome, RunStatus>> = { success: 'SUCCESS', failure: 'FAILURE', canceled: 'CANCELED' };

export async function findEndedRuns(db: Kysely<Database>, query: EndedRunsQuery): Promise<EndedRuns> {
  const since = new Date(query.watermark.getTime() - RUN_STATUS_LOOKBACK_MS);
  const statuses = query.on.flatMap((outcome) => DIRECT[outcome] ?? []);
  const blockingOnly = query.on.includes('blocking_check_failed') && !query.on.includes('failure');
  const rows = await db
    .selectFrom('strata.runs as r')
    .selectAll('r')
    .where('r.ended_at', '>=', since)
    .where((eb) => {
      const matches = statuses.length === 0 ? [] : [eb('r.status', 'in', statuses)];
      if (blockingOnly) matches.push(eb.and([eb('r.status', '=', 'FAILURE'), BLOCKING_CHECK_FAILED]));
      return eb.or(matches);
    })
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom(sql<{ run_id: string }>`strata.run_status_sensor_runs`.as('h'))
            .select(sql`1`.as('one'))
            .where(sql<boolean>`h.sensor_name = ${query.sensorName} AND h.run_id = r.id AND (h.handled_at IS NOT NULL OR h.attempts >= ${MAX_HANDLE_ATTEMPTS})`),
        ),
      ),
    )
    .where(sql<boolean>`NOT ${retriedFailure('r')}`)
    .$if(query.monitoredAssets !== undefined, (qb) =>
      qb.where(({ exists, selectFrom }) =>
        exists(selectFrom('strata.run_assets as ra').select('ra.run_id').whereRef('ra.run_id', '=', 'r.id').where('ra.asset_key', 'in', [...(query.monitoredAssets ?? []), NO_ASSET])),
      ),
    )
    .orderBy('r.ended_at')
    .orderBy('r.id')
    .limit(query.limit)
    .execute();
  const latest = await db.selectFrom('strata.runs').select((eb) => eb.fn.max('ended_at').as('latest')).where('ended_at', '>=', since).executeTakeFirst();
  return { runs: rows.map(toRun), latestEndedAt: latest?.latest ?? null };
}
