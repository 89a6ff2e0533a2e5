/**
 * What the scrape-time gauges read from the database: three indexed queries in one short
 * transaction with a statement timeout, so a scrape costs the same whatever the history size.
 * - active runs by status: `runs_status_created_at_idx` (status leads);
 * - the latest `asset:materialized` event of each graph asset: one probe of
 *   `events_materializations_idx` (asset_key, id DESC) per asset;
 * - the youngest heartbeat per process kind: `processes_heartbeat_idx` (not stopped).
 */
import { sql, type Kysely } from 'kysely';
import type { AssetKey } from '../core/types.js';
import type { Database } from '../storage/index.js';

export interface DbSnapshot {
  readonly queued: number;
  /** STARTING + STARTED. */
  readonly inProgress: number;
  /** Assets never materialized are absent. */
  readonly lastMaterializedAt: ReadonlyMap<AssetKey, Date>;
  /** Kinds with no running process are absent. */
  readonly youngestHeartbeatAt: ReadonlyMap<string, Date>;
}

/** How long the queries of one scrape may take (server side, and waited for). */
export const SNAPSHOT_TIMEOUT_MS = 5_000;

export async function readDbSnapshot(db: Kysely<Database>, assetKeys: readonly AssetKey[], timeoutMs = SNAPSHOT_TIMEOUT_MS): Promise<DbSnapshot> {
  const work = db.transaction().execute(async (trx) => {
    // SET LOCAL takes no bind parameter: the value is an integer we made.
    await sql.raw(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`).execute(trx);
    const runs = await sql<{ status: string; n: number }>`
      SELECT status, count(*)::int AS n FROM strata.runs WHERE status IN ('QUEUED', 'STARTING', 'STARTED') GROUP BY status`.execute(trx);
    const materialized =
      assetKeys.length === 0
        ? { rows: [] }
        : await sql<{ asset_key: string; at: Date | null }>`
            SELECT a.key AS asset_key,
                   (SELECT e.at FROM strata.events e
                     WHERE e.type = 'asset:materialized' AND e.asset_key = a.key ORDER BY e.id DESC LIMIT 1) AS at
              FROM (VALUES ${sql.join(assetKeys.map((key) => sql`(${key}::text)`))}) AS a(key)`.execute(trx);
    const heartbeats = await sql<{ kind: string; at: Date }>`
      SELECT kind, max(heartbeat_at) AS at FROM strata.processes WHERE stopped_at IS NULL GROUP BY kind`.execute(trx);
    return { runs: runs.rows, materialized: materialized.rows, heartbeats: heartbeats.rows };
  });
  const { runs, materialized, heartbeats } = await withTimeout(work, timeoutMs);
  const count = (statuses: readonly string[]) => runs.filter((row) => statuses.includes(row.status)).reduce((sum, row) => sum + Number(row.n), 0);
  return {
    queued: count(['QUEUED']),
    inProgress: count(['STARTING', 'STARTED']),
    lastMaterializedAt: new Map(materialized.flatMap((row) => (row.at === null ? [] : [[row.asset_key, new Date(row.at)] as const]))),
    youngestHeartbeatAt: new Map(heartbeats.map((row) => [row.kind, new Date(row.at)] as const)),
  };
}

/** Rejects after `ms` when the pool itself is saturated (the statement timeout only starts once a connection is had). */
function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`metrics database snapshot took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
