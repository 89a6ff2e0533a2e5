/**
 * The lineage SVG: a rounded box per asset (layer stripe, fill and border by its state), a path
 * with an arrowhead per dependency. Each node links to its asset page.
 */
import { assetHref } from '../components.js';
import { clip, escapeXml, LAYER_COLORS, MUTED, n, STATUS_COLORS, TEXT, type Tone } from '../charts/svg.js';
import { NODE_HEIGHT, NODE_WIDTH, type LineageLayout } from './layout.js';

export interface NodeState {
  readonly tone: Tone;
  /** Second line of the node: `SUCCESS · 2026-11-23 06:00Z`, `never materialized`. */
  readonly caption: string;
  /** Tooltip. */
  readonly title: string;
}

const MISSING_STATE: NodeState = { tone: 'missing', caption: 'never materialized', title: 'never materialized' };

export interface RenderOptions {
  /** The asset a focused lineage is centred on: drawn with a thicker border. */
  readonly focus?: string;
}

export function renderLineage(layout: LineageLayout, states: ReadonlyMap<string, NodeState>, options: RenderOptions = {}): string {
  const parts: string[] = [];
  parts.push(
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">` +
      `<path d="M0,0 L10,5 L0,10 z" fill="${MUTED}"/></marker></defs>`,
  );
  parts.push('<g class="edges">');
  for (const edge of layout.edges) {
    if (edge.points.length === 0) continue;
    const d = edge.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${n(p.x)},${n(p.y)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${MUTED}" stroke-width="1.4" marker-end="url(#arrow)" data-from="${escapeXml(edge.from)}" data-to="${escapeXml(edge.to)}"/>`);
  }
  parts.push('</g><g class="nodes">');
  for (const node of layout.nodes) {
    const state = states.get(node.key) ?? MISSING_STATE;
    const colors = STATUS_COLORS[state.tone];
    const key = escapeXml(node.key);
    const focused = node.key === options.focus;
    parts.push(
      `<a href="${escapeXml(assetHref(node.key))}" class="lineage-node" data-testid="lineage-node" data-asset-key="${key}" data-tone="${state.tone}"${focused ? ' data-focus="true"' : ''}>` +
        `<title>${escapeXml(`${node.key}: ${state.title}`)}</title>` +
        `<rect class="node-box" x="${n(node.x)}" y="${n(node.y)}" width="${NODE_WIDTH}" height="${NODE_HEIGHT}" rx="8" fill="${colors.fill}" stroke="${focused ? TEXT : colors.stroke}" stroke-width="${focused ? 3.5 : 1.5}"/>` +
        `<rect x="${n(node.x)}" y="${n(node.y)}" width="7" height="${NODE_HEIGHT}" rx="3" fill="${LAYER_COLORS[node.layer] ?? MUTED}"/>` +
        `<text x="${n(node.x + 16)}" y="${n(node.y + 19)}" font-size="13" font-weight="600" fill="${TEXT}">${escapeXml(clip(node.key, 32))}</text>` +
        `<text x="${n(node.x + 16)}" y="${n(node.y + 36)}" font-size="11" fill="${MUTED}">${escapeXml(clip(state.caption, 36))}</text>` +
        `</a>`,
    );
  }
  parts.push('</g>');
  // Drawn at natural size (the page scrolls) so keys stay readable on a 500-asset graph.
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${layout.width} ${layout.height}" width="${layout.width}" height="${layout.height}" ` +
    `role="img" aria-label="Asset lineage" data-testid="lineage-graph" data-node-count="${layout.nodes.length}" ` +
    `font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif">${parts.join('')}</svg>`
  );
}
