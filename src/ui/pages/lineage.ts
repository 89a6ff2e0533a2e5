/** `/lineage`: the asset graph, laid out left to right once per graph, coloured by each asset's state. */
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../runtime.js';
import { html, raw } from '../html.js';
import { lineageLayout } from '../lineage/layout.js';
import { renderLineage, type NodeState } from '../lineage/render.js';
import { assetStates } from '../queries/asset-states.js';
import { sendPage } from '../respond.js';

const LEGEND = html`<ul class="legend" data-testid="lineage-legend">
  <li><span class="swatch swatch-success"></span>materialized, fresh</li>
  <li><span class="swatch swatch-queued"></span>stale (past its freshness objective)</li>
  <li><span class="swatch swatch-failure"></span>last step failed</li>
  <li><span class="swatch swatch-running"></span>running</li>
  <li><span class="swatch swatch-missing"></span>never materialized</li>
  <li><span class="swatch swatch-bronze"></span>bronze</li>
  <li><span class="swatch swatch-silver"></span>silver</li>
  <li><span class="swatch swatch-gold"></span>gold</li>
</ul>`;

export function registerLineagePage(ui: FastifyInstance, runtime: Runtime): void {
  ui.get('/lineage', { schema: { hide: true } }, async (request, reply) => {
    const states = await assetStates(runtime);
    const nodeStates = new Map<string, NodeState>([...states].map(([key, state]) => [key, { tone: state.tone, caption: state.caption, title: state.title }]));
    const svg = renderLineage(lineageLayout(runtime.graph), nodeStates);
    const body = html`<div class="page-head"><h1>Lineage</h1><span class="muted">${runtime.graph.nodes.length} assets · ${runtime.graph.edges.length} dependencies · data flows left to right; click an asset to open it</span></div>
      ${LEGEND}
      <div class="lineage-wrap">${raw(svg)}</div>`;
    return sendPage(request, reply, { title: 'Lineage', body, wide: true });
  });
}
