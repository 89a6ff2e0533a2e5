/**
 * One asset's neighbourhood: what it reads up to `depth` steps upstream and what reads it up to
 * `depth` steps downstream, with the dependencies among them, laid out for the focused lineage
 * page. A neighbourhood is drawn whole level by level: when the next level would pass
 * MAX_FOCUS_ASSETS the depth drawn stops before it (a root read by 60 assets, each read by a few
 * more, has 230 assets within two steps: a picture nobody reads and 0.8 s of layout).
 */
import type { AssetEdge, AssetGraph, AssetNode } from '../../core/graph.js';
import type { AssetKey } from '../../core/types.js';
import { layoutAssets, type LineageLayout } from './layout.js';

export const DEFAULT_FOCUS_DEPTH = 2;
export const MAX_FOCUS_DEPTH = 6;
/** At most this many assets in one picture; FAST_LAYOUT_ABOVE too, so dagre's best layout always applies. */
export const MAX_FOCUS_ASSETS = 150;

export interface Neighbourhood {
  readonly focus: AssetKey;
  readonly requestedDepth: number;
  /** The depth drawn: requestedDepth, or less when the next level would have been too many. */
  readonly depth: number;
  /** In topological order, the focus among them. */
  readonly nodes: readonly AssetNode[];
  readonly edges: readonly AssetEdge[];
  readonly upstream: number;
  readonly downstream: number;
  /** Assets within requestedDepth that are not drawn. */
  readonly omitted: number;
}

/** Keys at distance 1..depth along `next`, one set per level. */
function levels(next: ReadonlyMap<AssetKey, readonly AssetKey[]>, start: AssetKey, depth: number): Set<AssetKey>[] {
  const seen = new Set<AssetKey>([start]);
  const result: Set<AssetKey>[] = [];
  let frontier = [start];
  for (let level = 0; level < depth && frontier.length > 0; level++) {
    const found = new Set<AssetKey>();
    for (const key of frontier) {
      for (const neighbour of next.get(key) ?? []) {
        if (!seen.has(neighbour)) {
          seen.add(neighbour);
          found.add(neighbour);
        }
      }
    }
    result.push(found);
    frontier = [...found];
  }
  return result;
}

export function neighbourhood(graph: AssetGraph, focus: AssetKey, requestedDepth: number, maxAssets = MAX_FOCUS_ASSETS): Neighbourhood {
  const up = levels(graph.upstream, focus, requestedDepth);
  const down = levels(graph.downstream, focus, requestedDepth);
  const shown = new Set<AssetKey>([focus]);
  const within = new Set<AssetKey>([focus]);
  let depth = 0;
  let full = true;
  for (let level = 0; level < requestedDepth; level++) {
    const next = [...(up[level] ?? []), ...(down[level] ?? [])];
    for (const key of next) within.add(key);
    if (!full) continue;
    if (shown.size + next.length <= maxAssets) {
      for (const key of next) shown.add(key);
      depth = level + 1;
    } else {
      // Even the first level is too many: draw as many of it as fit, in topological order.
      if (level === 0) {
        const first = new Set(next);
        for (const key of graph.order) if (first.has(key) && shown.size < maxAssets) shown.add(key);
        depth = 1;
      }
      full = false;
    }
  }
  const nodes = graph.nodes.filter((node) => shown.has(node.key));
  const edges = graph.edges.filter((edge) => shown.has(edge.from) && shown.has(edge.to));
  const count = (sets: Set<AssetKey>[]) => sets.reduce((sum, set) => sum + [...set].filter((key) => shown.has(key)).length, 0);
  return { focus, requestedDepth, depth, nodes, edges, upstream: count(up), downstream: count(down), omitted: within.size - shown.size };
}

const layouts = new WeakMap<AssetGraph, Map<string, LineageLayout>>();
/** Focused layouts kept per graph, newest last; each is 150 assets at most. */
const KEPT_LAYOUTS = 200;

/** The neighbourhood's layout, remembered: the same focus and depth is laid out once. */
export function neighbourhoodLayout(graph: AssetGraph, area: Neighbourhood): LineageLayout {
  let kept = layouts.get(graph);
  if (kept === undefined) {
    kept = new Map();
    layouts.set(graph, kept);
  }
  const id = `${area.focus} ${area.depth} ${area.nodes.length}`;
  let layout = kept.get(id);
  if (layout === undefined) {
    layout = layoutAssets(area.nodes, area.edges);
    if (kept.size >= KEPT_LAYOUTS) kept.delete(kept.keys().next().value as string);
  } else {
    kept.delete(id);
  }
  kept.set(id, layout);
  return layout;
}
