/**
 * The asset catalog, shared by `GET /api/v1/assets` and the `/assets` page: every asset matching
 * a filter (part of the key, layer, group, owner, health), a page of them in topological order,
 * and how many match.
 *
 * The definition filters run over the in-memory graph; the health of every matching asset comes
 * from two queries (assetHealths; none while nothing was written since the last read), and the
 * full summaries of the page's assets from two more (assetSummaries): at most four queries
 * whether the graph has 10 assets or 5,000.
 */
import type { AssetGraph, AssetNode } from '../../core/graph.js';
import type { Layer } from '../../core/types.js';
import type { Runtime } from '../../runtime.js';
import { ASSET_HEALTHS, assetHealths, type AssetHealth } from './asset-health.js';
import { assetSummaries, type AssetSummary } from './assets.js';

/** Assets per page by default, and at most. */
export const ASSET_PAGE = 100;
export const MAX_ASSET_PAGE = 1000;

export interface CatalogFilter {
  /** Part of the key, any case. */
  readonly q?: string;
  readonly layer?: Layer;
  /** Exact group. */
  readonly group?: string;
  /** Exact owner (an e-mail or a team/user name). */
  readonly owner?: string;
  readonly status?: AssetHealth;
}

export interface CatalogPageRequest {
  readonly limit: number;
  readonly offset: number;
}

export interface CatalogEntry extends AssetSummary {
  readonly health: AssetHealth;
}

export interface CatalogPage {
  readonly assets: readonly CatalogEntry[];
  /** Assets matching every filter. */
  readonly total: number;
  /** Of the assets matching every filter but `status`, how many have each health. */
  readonly counts: Readonly<Record<AssetHealth, number>>;
}

export interface CatalogFacets {
  /** Sorted. */
  readonly groups: readonly string[];
  readonly owners: readonly string[];
}

const facetCache = new WeakMap<AssetGraph, CatalogFacets>();

/** The groups and owners the graph's assets name, for the filter form. */
export function catalogFacets(graph: AssetGraph): CatalogFacets {
  let facets = facetCache.get(graph);
  if (facets === undefined) {
    const groups = new Set(graph.nodes.flatMap((node) => (node.group === null ? [] : [node.group])));
    const owners = new Set(graph.nodes.flatMap((node) => node.owners));
    facets = Object.freeze({ groups: Object.freeze([...groups].sort()), owners: Object.freeze([...owners].sort()) });
    facetCache.set(graph, facets);
  }
  return facets;
}

function matchesDefinition(filter: CatalogFilter): (node: AssetNode) => boolean {
  const q = filter.q?.trim().toLowerCase();
  return (node) =>
    (q === undefined || q === '' || node.key.toLowerCase().includes(q)) &&
    (filter.layer === undefined || node.layer === filter.layer) &&
    (filter.group === undefined || node.group === filter.group) &&
    (filter.owner === undefined || node.owners.includes(filter.owner));
}

export async function catalogPage(runtime: Runtime, filter: CatalogFilter, page: CatalogPageRequest): Promise<CatalogPage> {
  const nodes = runtime.graph.nodes.filter(matchesDefinition(filter));
  const slice = (list: readonly AssetNode[]) => list.slice(page.offset, page.offset + page.limit);
  // Without a health filter the page is known before the healths are: read both at once.
  const [healths, early] = await Promise.all([assetHealths(runtime, nodes), filter.status === undefined ? assetSummaries(runtime, slice(nodes)) : undefined]);
  const counts = Object.fromEntries(ASSET_HEALTHS.map((health) => [health, 0])) as Record<AssetHealth, number>;
  for (const health of healths.values()) counts[health] += 1;
  const matching = filter.status === undefined ? nodes : nodes.filter((node) => healths.get(node.key) === filter.status);
  const summaries = early ?? (await assetSummaries(runtime, slice(matching)));
  // The health the filter used, not one recomputed from the summary: a row never contradicts its filter.
  const assets = summaries.map((summary): CatalogEntry => ({ ...summary, health: healths.get(summary.key) ?? 'missing' }));
  return { assets, total: matching.length, counts };
}
