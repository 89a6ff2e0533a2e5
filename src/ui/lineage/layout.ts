/**
 * Left-to-right layout of assets with dagre, on the server: the whole graph once per graph (the
 * graph is immutable for a process's life, so a WeakMap keyed by it is the whole cache), or any
 * part of it, such as one asset's neighbourhood.
 */
import dagre from '@dagrejs/dagre';
import type { AssetEdge, AssetGraph, AssetNode } from '../../core/graph.js';

export const NODE_WIDTH = 270;
export const NODE_HEIGHT = 46;

export interface PlacedNode {
  readonly key: string;
  readonly layer: string;
  /** Top-left corner. */
  readonly x: number;
  readonly y: number;
}

export interface PlacedEdge {
  readonly from: string;
  readonly to: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

export interface LineageLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly PlacedNode[];
  readonly edges: readonly PlacedEdge[];
}

const cache = new WeakMap<AssetGraph, LineageLayout>();

/**
 * Above this many assets dagre's network-simplex ranking and crossing minimisation take seconds
 * (18 s for a 500-asset warehouse graph); longest-path ranking with the initial order takes
 * about half a second and still reads left to right.
 */
export const FAST_LAYOUT_ABOVE = 150;

/**
 * Above this many assets the whole graph is not drawn (the lineage page summarises it and asks
 * for an asset to focus on): laying out 5,000 assets takes 6 s and gives a picture 200,000 px
 * tall; 500 take 0.4 s, done once at start-up, and still read by scrolling.
 */
export const FULL_LINEAGE_MAX_ASSETS = 500;

export function lineageLayout(graph: AssetGraph): LineageLayout {
  let layout = cache.get(graph);
  if (layout === undefined) {
    layout = layoutAssets(graph.nodes, graph.edges);
    cache.set(graph, layout);
  }
  return layout;
}

/** Lays out `nodes` and the `edges` between them (every edge's ends must be among the nodes). */
export function layoutAssets(nodes: readonly Pick<AssetNode, 'key' | 'layer'>[], edges: readonly AssetEdge[]): LineageLayout {
  const g = new dagre.graphlib.Graph();
  const large = nodes.length > FAST_LAYOUT_ABOVE;
  g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 80, marginx: 16, marginy: 16, ...(large ? { ranker: 'longest-path' as const } : {}) });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) g.setNode(node.key, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const edge of edges) g.setEdge(edge.from, edge.to);
  dagre.layout(g, large ? { disableOptimalOrderHeuristic: true } : {});
  const placedNodes = nodes.map((node) => {
    const placed = g.node(node.key);
    return Object.freeze({ key: node.key, layer: node.layer, x: placed.x - NODE_WIDTH / 2, y: placed.y - NODE_HEIGHT / 2 });
  });
  const placedEdges = edges.map((edge) =>
    Object.freeze({ from: edge.from, to: edge.to, points: Object.freeze((g.edge(edge.from, edge.to)?.points ?? []).map((point: { x: number; y: number }) => ({ x: point.x, y: point.y }))) }),
  );
  const label = g.graph();
  return Object.freeze({ width: Math.ceil(label.width ?? NODE_WIDTH), height: Math.ceil(label.height ?? NODE_HEIGHT), nodes: Object.freeze(placedNodes), edges: Object.freeze(placedEdges) });
}
