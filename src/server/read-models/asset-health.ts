/**
 * An asset's health in one word: what the overview counts, the lineage colours and the catalog
 * and the API filter by. It follows from three facts: the asset's step in its last run, when it
 * was last materialized, and whether that is older than its freshness objective.
 *
 * `assetHealths` reads those facts for any number of assets in two queries (an index probe per
 * asset on events_materializations_idx and on run_assets_asset_created_idx, scalars only), so
 * filtering 5,000 assets by health costs two round trips, not 5,000; and none while the database
 * has not changed since the last read (see KeptFacts).
 */
import { sql } from 'kysely';
import type { AssetNode } from '../../core/graph.js';
import type { AssetKey, RunStatus, StepStatus } from '../../core/types.js';
import type { Runtime } from '../../runtime.js';
import type { StrataDatabase } from '../../storage/index.js';

/** `missing`: never materialized. */
export const ASSET_HEALTHS = ['ok', 'stale', 'failed', 'running', 'missing'] as const;
export type AssetHealth = (typeof ASSET_HEALTHS)[number];

export interface HealthFacts {
  readonly latestMaterialization: { readonly at: Date } | null;
  /** The newest run that selected the asset, and the asset's step in it (null until reached). */
  readonly lastRun: { readonly status: RunStatus; readonly createdAt: Date; readonly stepStatus: StepStatus | null } | null;
  /** null: the asset has no freshness objective. */
  readonly freshness: { readonly stale: boolean | null };
}

export function healthOf(facts: HealthFacts): AssetHealth {
  const run = facts.lastRun;
  const latestAt = facts.latestMaterialization?.at ?? null;
  if (run !== null && (run.stepStatus === 'RUNNING' || (run.stepStatus === null && (run.status === 'STARTED' || run.status === 'STARTING')))) return 'running';
  if (run?.stepStatus === 'FAILURE' && (latestAt === null || latestAt < run.createdAt)) return 'failed';
  if (latestAt === null) return 'missing';
  if (facts.freshness.stale === true) return 'stale';
  return 'ok';
}

/** Stale when the objective is set and the last materialization is missing or older than it. */
export function isStale(objectiveMs: number | undefined, latestAt: Date | null, now: Date): boolean | null {
  if (objectiveMs === undefined) return null;
  return latestAt === null || now.getTime() - latestAt.getTime() > objectiveMs;
}

interface Facts {
  readonly latestAt: Date | null;
  readonly lastRun: HealthFacts['lastRun'];
}

/**
 * The facts read last, and the database snapshot they were read at or after. Two snapshots that
 * print the same (xmin:xmax:in-progress list) see the same committed transactions, so while the
 * snapshot has not changed no run, step or materialization can have changed either, and the
 * facts are reused: a catalog request then costs one tiny query instead of 10,000 index probes.
 * Any write anywhere (a heartbeat too) changes the snapshot and the next request reads again.
 */
interface KeptFacts {
  readonly snapshot: string;
  readonly facts: Map<AssetKey, Facts>;
}

const kept = new WeakMap<StrataDatabase, KeptFacts>();

async function currentSnapshot(runtime: Runtime): Promise<string> {
  const result = await sql<{ snapshot: string }>`SELECT pg_current_snapshot()::text AS snapshot`.execute(runtime.database.db);
  return result.rows[0]?.snapshot ?? '';
}

/**
 * Two queries run side by side. One query joining both probes costs as much on the server, but
 * its estimate crosses Postgres's jit_above_cost at a few thousand assets and JIT compilation
 * then adds 20 ms or more (measured at 5,000 assets).
 */
async function readFacts(runtime: Runtime, keys: readonly AssetKey[]): Promise<Map<AssetKey, Facts>> {
  const list = sql.val([...keys]);
  const { db } = runtime.database;
  const [materialized, runs] = await Promise.all([
    sql<{ key: string; at: Date }>`
      SELECT k.key, m.at FROM unnest(${list}::text[]) AS k(key)
      CROSS JOIN LATERAL (
        SELECT at FROM strata.events
        WHERE type = 'asset:materialized' AND asset_key = k.key
        ORDER BY id DESC LIMIT 1
      ) AS m`.execute(db),
    sql<{ key: string; status: RunStatus; created_at: Date; step_status: StepStatus | null }>`
      SELECT k.key, r.status, r.created_at,
        (SELECT s.status FROM strata.steps s WHERE s.run_id = r.id AND s.asset_key = k.key LIMIT 1) AS step_status
      FROM unnest(${list}::text[]) AS k(key)
      CROSS JOIN LATERAL (
        SELECT run_id FROM strata.run_assets
        WHERE asset_key = k.key
        ORDER BY created_at DESC, run_id DESC LIMIT 1
      ) AS ra
      JOIN strata.runs r ON r.id = ra.run_id`.execute(db),
  ]);
  const latest = new Map(materialized.rows.map((row) => [row.key, row.at]));
  const lastRuns = new Map(runs.rows.map((row) => [row.key, { status: row.status, createdAt: row.created_at, stepStatus: row.step_status }]));
  return new Map(keys.map((key) => [key, { latestAt: latest.get(key) ?? null, lastRun: lastRuns.get(key) ?? null }]));
}

/** The facts of `keys`, reused from the last read while the database has not changed since. */
async function factsOf(runtime: Runtime, keys: readonly AssetKey[]): Promise<Map<AssetKey, Facts>> {
  // Read before the facts: facts newer than their snapshot only cost a needless read later, never a stale answer.
  const snapshot = await currentSnapshot(runtime);
  const previous = kept.get(runtime.database);
  if (previous?.snapshot === snapshot && keys.every((key) => previous.facts.has(key))) return previous.facts;
  const facts = await readFacts(runtime, keys);
  if (previous?.snapshot === snapshot) {
    for (const [key, value] of facts) previous.facts.set(key, value);
  } else {
    kept.set(runtime.database, { snapshot, facts });
  }
  return facts;
}

/** The health of each of `nodes`: two queries for all of them, or none while nothing was written since the last read. */
export async function assetHealths(runtime: Runtime, nodes: readonly AssetNode[]): Promise<Map<AssetKey, AssetHealth>> {
  if (nodes.length === 0) return new Map();
  const facts = await factsOf(runtime, nodes.map((node) => node.key));
  const now = runtime.clock.now();
  const healths = new Map<AssetKey, AssetHealth>();
  for (const node of nodes) {
    const { latestAt, lastRun } = facts.get(node.key) ?? { latestAt: null, lastRun: null };
    const objectiveMs = runtime.graph.assets.get(node.key)?.freshness?.maxLagMs;
    healths.set(node.key, healthOf({ latestMaterialization: latestAt === null ? null : { at: latestAt }, lastRun, freshness: { stale: isStale(objectiveMs, latestAt, now) } }));
  }
  return healths;
}
