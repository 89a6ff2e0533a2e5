import type { AnyAsset, DepsSpec } from './asset.js';
import { depAsset, depMapping } from './asset.js';
import { definitionSite } from './definition-site.js';
import { DefinitionError } from './errors.js';
import { topologicalOrder } from './topological-order.js';
import type { AssetKey, PartitionsDefinition } from './types.js';
import { LAYERS } from './types.js';

/** One asset as the UI, CLI and API show it (plain JSON). */
export interface AssetNode {
  readonly key: AssetKey;
  readonly layer: AnyAsset['layer'];
  readonly description: string;
  /** The catalog group; null when the definition names none. */
  readonly group: string | null;
  readonly owners: readonly string[];
  readonly partitions: PartitionsDefinition['kind'] | null;
  readonly tags: Readonly<Record<string, string>>;
  readonly pool: string | null;
  /** The label of its automation condition (`eager()`), or null when only schedules and operators run it. */
  readonly automation: string | null;
}

/** Data flows `from` the upstream asset `to` the downstream one. */
export interface AssetEdge {
  readonly from: AssetKey;
  readonly to: AssetKey;
}

/** The validated asset graph: one object read by the executor, UI, CLI and API. */
export interface AssetGraph {
  readonly assets: ReadonlyMap<AssetKey, AnyAsset>;
  /** Direct dependencies of each asset, in topological order. */
  readonly upstream: ReadonlyMap<AssetKey, readonly AssetKey[]>;
  /** Direct dependents of each asset, in topological order. */
  readonly downstream: ReadonlyMap<AssetKey, readonly AssetKey[]>;
  /** Deterministic: ties broken by layer (bronze, silver, gold), then key. */
  readonly order: readonly AssetKey[];
  readonly nodes: readonly AssetNode[];
  readonly edges: readonly AssetEdge[];
}

export function compareAssetKeys(a: AssetKey, b: AssetKey): number {
  const byLayer = layerRank(a) - layerRank(b);
  if (byLayer !== 0) return byLayer;
  return a < b ? -1 : a > b ? 1 : 0;
}

function layerRank(key: AssetKey): number {
  return LAYERS.indexOf(key.slice(0, key.indexOf('/')) as AnyAsset['layer']);
}

/**
 * Validates a complete list of assets (every dependency must be in it) and freezes the graph.
 * Throws DefinitionError for duplicate keys, unknown dependencies (`silver/x -> bronze/missing`),
 * incompatible partitions and cycles (`a -> b -> a`).
 */
export function buildGraph(assetList: readonly AnyAsset[]): AssetGraph {
  const assets = new Map<AssetKey, AnyAsset>();
  for (const asset of assetList) {
    const previous = assets.get(asset.key);
    if (previous !== undefined) {
      throw new DefinitionError(`duplicate asset key '${asset.key}'${sitesOf([previous, asset])}`, { site: definitionSite(asset) });
    }
    assets.set(asset.key, asset);
  }
  const upstreamSets = new Map<AssetKey, Set<AssetKey>>();
  const downstreamSets = new Map<AssetKey, Set<AssetKey>>();
  for (const key of assets.keys()) {
    upstreamSets.set(key, new Set());
    downstreamSets.set(key, new Set());
  }
  for (const asset of assets.values()) {
    for (const dep of Object.values(asset.deps as DepsSpec)) {
      const upstream = depAsset(dep);
      if (!assets.has(upstream.key)) {
        throw new DefinitionError(`unknown dependency ${asset.key} -> ${upstream.key}: '${upstream.key}' is not in the asset list`, {
          site: definitionSite(asset),
        });
      }
      checkPartitions(asset, dep);
      upstreamSets.get(asset.key)?.add(upstream.key);
      downstreamSets.get(upstream.key)?.add(asset.key);
    }
  }
  const order = topologicalOrder(toSortedLists(upstreamSets), toSortedLists(downstreamSets), compareAssetKeys);
  const position = new Map(order.map((key, index) => [key, index]));
  const byPosition = (a: AssetKey, b: AssetKey): number => (position.get(a) ?? 0) - (position.get(b) ?? 0);
  const upstream = freezeLists(upstreamSets, byPosition);
  const downstream = freezeLists(downstreamSets, byPosition);
  const nodes = order.map((key) => toNode(assets.get(key) as AnyAsset));
  const edges = order.flatMap((to) => (upstream.get(to) ?? []).map((from) => Object.freeze({ from, to })));
  return Object.freeze({
    assets,
    upstream,
    downstream,
    order: Object.freeze(order),
    nodes: Object.freeze(nodes),
    edges: Object.freeze(edges),
  });
}

/** The asset with `key`; throws DefinitionError when the graph has none. */
export function getAsset(graph: AssetGraph, key: AssetKey): AnyAsset {
  const asset = graph.assets.get(key);
  if (!asset) throw new DefinitionError(`unknown asset '${key}'`);
  return asset;
}

function checkPartitions(asset: AnyAsset, dep: DepsSpec[string]): void {
  const upstream = depAsset(dep);
  const mapping = depMapping(dep);
  const path = `${asset.key} -> ${upstream.key}`;
  const own = asset.partitions?.kind;
  const theirs = upstream.partitions?.kind;
  if (mapping) {
    if (own === undefined || theirs === undefined) {
      throw new DefinitionError(`${path}: many(..., ${mapping.name}) needs both assets to be partitioned`, { site: definitionSite(asset) });
    }
    if ((mapping.downstreamKind ?? own) !== own || (mapping.upstreamKind ?? theirs) !== theirs) {
      throw new DefinitionError(
        `${path}: mapping ${mapping.name} reads ${mapping.upstreamKind} from ${mapping.downstreamKind}, not ${theirs} from ${own}`,
        { site: definitionSite(asset) },
      );
    }
    return;
  }
  // An unpartitioned upstream has one output that every partition reads.
  if (theirs !== undefined && theirs !== own) {
    throw new DefinitionError(
      `${path}: ${own === undefined ? 'an unpartitioned' : `a ${own}`} asset cannot read a ${theirs} asset partition by partition; ` +
        `give both the same partitions or use many(asset, mapping)`,
      { site: definitionSite(asset) },
    );
  }
}

/** ` (defined at a.ts:3 and b.ts:9)`, or nothing when no site is known. */
function sitesOf(assets: readonly AnyAsset[]): string {
  const sites = assets.flatMap((asset) => {
    const site = definitionSite(asset);
    return site === undefined ? [] : [`${site.file}:${site.line}`];
  });
  return sites.length === 0 ? '' : ` (defined at ${sites.join(' and ')})`;
}

function toNode(asset: AnyAsset): AssetNode {
  return Object.freeze({
    key: asset.key,
    layer: asset.layer,
    description: asset.description,
    group: asset.group ?? null,
    owners: asset.owners ?? [],
    partitions: asset.partitions?.kind ?? null,
    tags: asset.tags,
    pool: asset.pool ?? null,
    automation: asset.automation?.label ?? null,
  });
}

function toSortedLists(sets: Map<AssetKey, Set<AssetKey>>): Map<AssetKey, AssetKey[]> {
  return new Map([...sets].map(([key, set]) => [key, [...set].sort(compareAssetKeys)]));
}

function freezeLists(
  sets: Map<AssetKey, Set<AssetKey>>,
  compare: (a: AssetKey, b: AssetKey) => number,
): ReadonlyMap<AssetKey, readonly AssetKey[]> {
  return new Map([...sets].map(([key, set]) => [key, Object.freeze([...set].sort(compare))]));
}
