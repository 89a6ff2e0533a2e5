/**
 * The lineage of a graph too big to draw, one row per group: how many assets it has in each
 * layer, and which groups it reads from and is read by (counted in dependencies), so a reader
 * sees how the groups feed each other before focusing on one asset. Computed once per graph.
 */
import type { AssetGraph } from '../../core/graph.js';
import { LAYERS, type Layer } from '../../core/types.js';

export interface GroupLink {
  /** null: assets with no group. */
  readonly group: string | null;
  readonly dependencies: number;
}

export interface GroupSummary {
  readonly group: string | null;
  readonly assets: number;
  readonly byLayer: Readonly<Record<Layer, number>>;
  /** Other groups this one reads from, most dependencies first. */
  readonly readsFrom: readonly GroupLink[];
  readonly readBy: readonly GroupLink[];
}

const cache = new WeakMap<AssetGraph, readonly GroupSummary[]>();

function links(counts: Map<string | null, number>): GroupLink[] {
  return [...counts].map(([group, dependencies]) => ({ group, dependencies })).sort((a, b) => b.dependencies - a.dependencies || String(a.group).localeCompare(String(b.group)));
}

/** Named groups alphabetically, then the assets with no group. */
export function groupSummaries(graph: AssetGraph): readonly GroupSummary[] {
  const cached = cache.get(graph);
  if (cached !== undefined) return cached;
  const groupOf = new Map(graph.nodes.map((node) => [node.key, node.group]));
  const rows = new Map<string | null, { assets: number; byLayer: Record<Layer, number>; from: Map<string | null, number>; by: Map<string | null, number> }>();
  const row = (group: string | null) => {
    let found = rows.get(group);
    if (found === undefined) {
      found = { assets: 0, byLayer: Object.fromEntries(LAYERS.map((layer) => [layer, 0])) as Record<Layer, number>, from: new Map(), by: new Map() };
      rows.set(group, found);
    }
    return found;
  };
  for (const node of graph.nodes) {
    const entry = row(node.group);
    entry.assets += 1;
    entry.byLayer[node.layer] += 1;
  }
  for (const edge of graph.edges) {
    const from = groupOf.get(edge.from) ?? null;
    const to = groupOf.get(edge.to) ?? null;
    if (from === to) continue;
    row(to).from.set(from, (row(to).from.get(from) ?? 0) + 1);
    row(from).by.set(to, (row(from).by.get(to) ?? 0) + 1);
  }
  const summaries = [...rows]
    .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)))
    .map(([group, entry]) => Object.freeze({ group, assets: entry.assets, byLayer: entry.byLayer, readsFrom: links(entry.from), readBy: links(entry.by) }));
  cache.set(graph, Object.freeze(summaries));
  return summaries;
}
