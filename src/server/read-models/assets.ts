/**
 * Read models of assets, shared by the JSON API and the HTML UI:
 *
 * - `assetList(runtime)`: every asset in topological order with its neighbours, latest
 *   materialization, freshness and last run (two queries for the whole graph).
 * - `assetDetail(runtime, key)`: the definition, neighbours, latest materialization and its
 *   metadata, recent materialization history, partition status and latest check results.
 * - `materializationHistory(runtime, key, page)`: newest first, paged by event id (`before`).
 * - `partitionStatus(runtime, key, days)`: materialized / failed / missing per partition key of
 *   the recent window.
 * - `assetChecks(runtime, key)`: each defined check with its latest result.
 *
 * Functions taking a key throw AssetNotFoundError (404) for a key the graph does not have.
 */
import { sql } from 'kysely';
import { depAsset, depMapping, type AnyAsset, type DepsSpec } from '../../core/asset.js';
import { StrataError } from '../../core/errors.js';
import type { AssetNode } from '../../core/graph.js';
import type { PartitionsServed } from '../../core/servable-partitions.js';
import type { AssetKey, Metadata, RunStatus, StepStatus } from '../../core/types.js';
import type { Runtime } from '../../runtime.js';
import { toStoredEvent } from '../../storage/event-log.js';
import { latestCheckResults, type StoredCheckResult } from '../../storage/index.js';
import { isStale } from './asset-health.js';

export class AssetNotFoundError extends StrataError {
  constructor(key: string) {
    super('ASSET_NOT_FOUND', `no asset '${key}'`);
  }
}

export interface Freshness {
  /** The asset's objective (max lag), or null when it has none. */
  readonly objectiveSeconds: number | null;
  /** Since the latest materialization of any partition; null when never materialized. */
  readonly lagSeconds: number | null;
  /** null without an objective. */
  readonly stale: boolean | null;
}

export interface MaterializationEntry {
  /** The `asset:materialized` event id: pass as `before` for older entries. */
  readonly eventId: number;
  readonly partitionKey: string | null;
  readonly runId: string;
  readonly at: Date;
  readonly durationMs: number | null;
  /** metadata.rows when the asset reports it. */
  readonly rows: number | null;
  readonly metadata: Metadata;
}

export interface LastRun {
  readonly id: string;
  readonly status: RunStatus;
  readonly createdAt: Date;
  readonly partitionKey: string | null;
  /** This asset's step in that run; null while the run has not reached it. */
  readonly stepStatus: StepStatus | null;
}

export interface AssetSummary extends AssetNode {
  readonly upstream: readonly AssetKey[];
  readonly downstream: readonly AssetKey[];
  readonly latestMaterialization: MaterializationEntry | null;
  readonly freshness: Freshness;
  /** The newest run that selected the asset. */
  readonly lastRun: LastRun | null;
}

export interface AssetDefinitionView {
  readonly key: AssetKey;
  readonly layer: AnyAsset['layer'];
  readonly group: string | null;
  readonly owners: readonly string[];
  readonly description: string;
  readonly partitions: AssetNode['partitions'];
  /** Each input by name: the upstream asset and the partition mapping (null: same key). */
  readonly deps: readonly { readonly name: string; readonly assetKey: AssetKey; readonly partitionMapping: string | null }[];
  readonly checks: readonly { readonly name: string; readonly severity: 'error' | 'warn'; readonly description: string }[];
  readonly freshnessObjectiveSeconds: number | null;
  readonly tags: Readonly<Record<string, string>>;
  readonly pool: string | null;
  /** `current`: only the partition that contains now can be materialized (the source has no history). */
  readonly servesPartitions: PartitionsServed;
  readonly maxRetries: number;
  /** A SQL-file asset's file and its whole text (header and query); null for an asset defined in code. */
  readonly sql: { readonly file: string; readonly text: string } | null;
}

export type PartitionState = 'materialized' | 'failed' | 'missing';

export interface PartitionStatusEntry {
  readonly partitionKey: string;
  readonly state: PartitionState;
  readonly materializedAt: Date | null;
  /** The run of the latest step for the partition. */
  readonly runId: string | null;
}

export interface PartitionStatus {
  /** null for an unpartitioned asset (then `partitions` is empty). */
  readonly kind: AssetNode['partitions'];
  readonly from: string | null;
  readonly to: string | null;
  /** Oldest first. */
  readonly partitions: readonly PartitionStatusEntry[];
  readonly counts: Readonly<Record<PartitionState, number>>;
}

export interface CheckView {
  readonly name: string;
  readonly severity: 'error' | 'warn';
  readonly description: string;
  readonly latest: StoredCheckResult | null;
}

export interface AssetDetail extends AssetSummary {
  readonly definition: AssetDefinitionView;
  /** The newest HISTORY_PAGE materializations, newest first. */
  readonly materializations: readonly MaterializationEntry[];
  readonly partitionStatus: PartitionStatus;
  readonly checks: readonly CheckView[];
}

export const HISTORY_PAGE = 50;
export const MAX_HISTORY_PAGE = 500;
export const PARTITION_WINDOW_DAYS = 28;
const DAY_MS = 86_400_000;

export function requireAsset(runtime: Runtime, key: string): AnyAsset {
  const asset = runtime.graph.assets.get(key);
  if (asset === undefined) throw new AssetNotFoundError(key);
  return asset;
}

function freshnessOf(runtime: Runtime, asset: AnyAsset, latestAt: Date | undefined): Freshness {
  const objectiveMs = asset.freshness?.maxLagMs;
  const lagMs = latestAt === undefined ? null : runtime.clock.now().getTime() - latestAt.getTime();
  return {
    objectiveSeconds: objectiveMs === undefined ? null : objectiveMs / 1000,
    lagSeconds: lagMs === null ? null : lagMs / 1000,
    stale: isStale(objectiveMs, latestAt ?? null, runtime.clock.now()),
  };
}

interface EventRow {
  id: number;
  run_id: string;
  type: string;
  at: Date;
  asset_key: string | null;
  partition_key: string | null;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string | null;
  payload: Record<string, unknown>;
}

function toEntry(row: EventRow): MaterializationEntry | undefined {
  const { event } = toStoredEvent(row);
  if (event.type !== 'asset:materialized') return undefined;
  const rows = event.metadata['rows'];
  return {
    eventId: row.id,
    partitionKey: event.partition,
    runId: event.runId,
    at: event.at,
    durationMs: typeof event.durationMs === 'number' ? event.durationMs : null,
    rows: typeof rows === 'number' ? rows : null,
    metadata: event.metadata,
  };
}

/** The newest materialization event of each key: one index probe each (events_materializations_idx). */
async function latestMaterializations(runtime: Runtime, keys: readonly AssetKey[]): Promise<Map<AssetKey, MaterializationEntry>> {
  if (keys.length === 0) return new Map();
  const result = await sql<EventRow>`
    SELECT e.* FROM unnest(${sql.val([...keys])}::text[]) AS k(key)
    CROSS JOIN LATERAL (
      SELECT * FROM strata.events
      WHERE type = 'asset:materialized' AND asset_key = k.key
      ORDER BY id DESC LIMIT 1
    ) AS e`.execute(runtime.database.db);
  const latest = new Map<AssetKey, MaterializationEntry>();
  for (const row of result.rows) {
    const entry = toEntry(row);
    if (entry !== undefined && row.asset_key !== null) latest.set(row.asset_key, entry);
  }
  return latest;
}

/** The newest run that selected each key (run_assets_asset_created_idx), with the asset's step in it. */
async function lastRuns(runtime: Runtime, keys: readonly AssetKey[]): Promise<Map<AssetKey, LastRun>> {
  if (keys.length === 0) return new Map();
  const result = await sql<{ key: string; id: string; status: RunStatus; created_at: Date; partition_key: string | null; step_status: StepStatus | null }>`
    SELECT k.key, r.id, r.status, r.created_at, r.partition_key,
      (SELECT s.status FROM strata.steps s WHERE s.run_id = r.id AND s.asset_key = k.key LIMIT 1) AS step_status
    FROM unnest(${sql.val([...keys])}::text[]) AS k(key)
    CROSS JOIN LATERAL (
      SELECT run_id FROM strata.run_assets
      WHERE asset_key = k.key
      ORDER BY created_at DESC, run_id DESC LIMIT 1
    ) AS ra
    JOIN strata.runs r ON r.id = ra.run_id`.execute(runtime.database.db);
  return new Map(
    result.rows.map((row) => [
      row.key,
      { id: row.id, status: row.status, createdAt: row.created_at, partitionKey: row.partition_key, stepStatus: row.step_status },
    ]),
  );
}

/** The summaries of `nodes`: two queries, whatever their number. */
export async function assetSummaries(runtime: Runtime, nodes: readonly AssetNode[]): Promise<AssetSummary[]> {
  const keys = nodes.map((node) => node.key);
  const [latest, runs] = await Promise.all([latestMaterializations(runtime, keys), lastRuns(runtime, keys)]);
  return nodes.map((node) => {
    const materialization = latest.get(node.key) ?? null;
    return {
      ...node,
      upstream: runtime.graph.upstream.get(node.key) ?? [],
      downstream: runtime.graph.downstream.get(node.key) ?? [],
      latestMaterialization: materialization,
      freshness: freshnessOf(runtime, requireAsset(runtime, node.key), materialization?.at),
      lastRun: runs.get(node.key) ?? null,
    };
  });
}

/** Every asset, in topological order. */
export function assetList(runtime: Runtime): Promise<AssetSummary[]> {
  return assetSummaries(runtime, runtime.graph.nodes);
}

export function definitionOf(asset: AnyAsset): AssetDefinitionView {
  return {
    key: asset.key,
    layer: asset.layer,
    group: asset.group ?? null,
    owners: asset.owners ?? [],
    description: asset.description,
    partitions: asset.partitions?.kind ?? null,
    deps: Object.entries(asset.deps as DepsSpec).map(([name, dep]) => ({
      name,
      assetKey: depAsset(dep).key,
      partitionMapping: depMapping(dep)?.name ?? null,
    })),
    checks: asset.checks.map((check) => ({ name: check.name, severity: check.severity, description: check.description })),
    freshnessObjectiveSeconds: asset.freshness === undefined ? null : asset.freshness.maxLagMs / 1000,
    tags: asset.tags,
    pool: asset.pool ?? null,
    servesPartitions: asset.servesPartitions,
    maxRetries: asset.retry.maxRetries,
    sql: asset.code?.language === 'sql' ? { file: asset.code.file, text: asset.code.text } : null,
  };
}

export async function assetDetail(runtime: Runtime, key: string): Promise<AssetDetail> {
  const asset = requireAsset(runtime, key);
  const node = runtime.graph.nodes.find((candidate) => candidate.key === key) as AssetNode;
  const [[summary], materializations, partitions, checks] = await Promise.all([
    assetSummaries(runtime, [node]),
    materializationHistory(runtime, key, {}),
    partitionStatus(runtime, key),
    assetChecks(runtime, key),
  ]);
  return { ...(summary as AssetSummary), definition: definitionOf(asset), materializations, partitionStatus: partitions, checks };
}

export interface HistoryPageRequest {
  /** Only materializations older than this event id (`eventId` of the last entry of a page). */
  readonly before?: number;
  /** Default HISTORY_PAGE, at most MAX_HISTORY_PAGE. */
  readonly limit?: number;
}

/** Newest first (events_materializations_idx). */
export async function materializationHistory(runtime: Runtime, key: string, page: HistoryPageRequest): Promise<MaterializationEntry[]> {
  requireAsset(runtime, key);
  let query = runtime.database.db
    .selectFrom('strata.events')
    .selectAll()
    .where('type', '=', 'asset:materialized')
    .where('asset_key', '=', key)
    .orderBy('id', 'desc')
    .limit(Math.min(Math.max(page.limit ?? HISTORY_PAGE, 1), MAX_HISTORY_PAGE));
  if (page.before !== undefined) query = query.where('id', '<', page.before);
  const rows = await query.execute();
  return rows.flatMap((row) => toEntry(row) ?? []);
}

/**
 * The last `days` of the asset's partitions up to the one containing now. A partition is
 * `failed` when its latest step failed (even if an older run materialized it), `materialized`
 * when it has a materialization, else `missing`.
 */
export async function partitionStatus(runtime: Runtime, key: string, days = PARTITION_WINDOW_DAYS): Promise<PartitionStatus> {
  const asset = requireAsset(runtime, key);
  const counts: Record<PartitionState, number> = { materialized: 0, failed: 0, missing: 0 };
  const partitions = asset.partitions;
  if (partitions === undefined) return { kind: null, from: null, to: null, partitions: [], counts };
  const now = runtime.clock.now();
  const to = partitions.keyFor(now);
  const from = partitions.keyFor(new Date(partitions.parse(to).end.getTime() - days * DAY_MS));
  const keys = partitions.keysBetween(from, to);
  const { db } = runtime.database;
  const [materialized, steps] = await Promise.all([
    db
      .selectFrom('strata.materializations')
      .select(['partition_key', 'materialized_at'])
      .where('asset_key', '=', key)
      .where('partition_key', 'in', keys)
      .execute(),
    db
      .selectFrom('strata.steps')
      .select(['partition_key', 'status', 'run_id'])
      .distinctOn('partition_key')
      .where('asset_key', '=', key)
      .where('partition_key', 'in', keys)
      .orderBy('partition_key')
      .orderBy(sql`coalesce(ended_at, started_at)`, (ob) => ob.desc().nullsLast())
      .execute(),
  ]);
  const materializedAt = new Map(materialized.map((row) => [row.partition_key, row.materialized_at]));
  const latestStep = new Map(steps.map((row) => [row.partition_key, row]));
  const entries = keys.map((partitionKey): PartitionStatusEntry => {
    const step = latestStep.get(partitionKey);
    const at = materializedAt.get(partitionKey) ?? null;
    const state: PartitionState = step?.status === 'FAILURE' ? 'failed' : at !== null ? 'materialized' : 'missing';
    counts[state] += 1;
    return { partitionKey, state, materializedAt: at, runId: step?.run_id ?? null };
  });
  return { kind: partitions.kind, from, to, partitions: entries, counts };
}

/** Each check the asset defines, with its newest result (any partition). */
export async function assetChecks(runtime: Runtime, key: string): Promise<CheckView[]> {
  const asset = requireAsset(runtime, key);
  const results = new Map((await latestCheckResults(runtime.database.db, key)).map((result) => [result.check, result]));
  const defined = asset.checks.map((check) => ({
    name: check.name,
    severity: check.severity,
    description: check.description,
    latest: results.get(check.name) ?? null,
  }));
  // A check removed from the code keeps its history: show it after the defined ones.
  const removed = [...results.values()]
    .filter((result) => !asset.checks.some((check) => check.name === result.check))
    .map((result) => ({ name: result.check, severity: result.severity, description: '(no longer defined)', latest: result }));
  return [...defined, ...removed];
}
