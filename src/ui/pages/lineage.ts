/**
 * `/lineage`: the asset graph, laid out left to right, coloured by each asset's state.
 *
 * - `?asset=<key>&depth=N`: the asset's neighbourhood, N steps upstream and downstream (default 2).
 * - `?asset=<part of a key>`: the assets whose key contains it, to pick one (one match: its neighbourhood).
 * - no asset: the whole graph up to FULL_LINEAGE_MAX_ASSETS; a bigger graph is summarised by
 *   group (assets per layer, health, which groups feed which) with a search box to focus.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AssetNode } from '../../core/graph.js';
import type { Runtime } from '../../runtime.js';
import { assetHealths, type AssetHealth } from '../../server/read-models/asset-health.js';
import { timeDb } from '../../server/server-timing.js';
import { assetHref, catalogHref, emptyState, lineageHref, notice } from '../components.js';
import { formatNumber } from '../format.js';
import { html, raw, type Html } from '../html.js';
import { groupSummaries, type GroupLink } from '../lineage/group-summary.js';
import { FULL_LINEAGE_MAX_ASSETS, lineageLayout, type LineageLayout } from '../lineage/layout.js';
import { DEFAULT_FOCUS_DEPTH, MAX_FOCUS_ASSETS, MAX_FOCUS_DEPTH, neighbourhood, neighbourhoodLayout } from '../lineage/neighbourhood.js';
import { renderLineage, type NodeState } from '../lineage/render.js';
import { assetStates } from '../queries/asset-states.js';
import { parseOrThrow, sendPage } from '../respond.js';

const MAX_SEARCH_RESULTS = 50;

const blank = (value: unknown) => (value === '' ? undefined : value);

export const LineageQuery = z.object({
  asset: z.preprocess(blank, z.string().trim().max(200).optional()),
  depth: z.preprocess(blank, z.coerce.number().int().min(1).max(MAX_FOCUS_DEPTH).default(DEFAULT_FOCUS_DEPTH)),
});

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

function searchForm(runtime: Runtime, asset: string | undefined, depth: number): Html {
  // Offering every key to pick from is worth its bytes only while the graph is small.
  const suggest = runtime.graph.nodes.length <= FULL_LINEAGE_MAX_ASSETS;
  const depths = Array.from({ length: MAX_FOCUS_DEPTH }, (_, index) => index + 1);
  return html`<form method="get" action="/lineage" class="form-row card" data-testid="lineage-search" role="search">
    <label>Asset <input type="text" name="asset" value="${asset ?? ''}" maxlength="200" required placeholder="key or part of it" ${suggest ? html`list="lineage-assets"` : ''} data-testid="lineage-search-input"></label>
    ${suggest ? html`<datalist id="lineage-assets">${runtime.graph.order.map((key) => html`<option value="${key}">`)}</datalist>` : ''}
    <label>Depth <select name="depth" data-testid="lineage-depth">${depths.map((value) => html`<option value="${value}" ${value === depth ? 'selected' : ''}>${value} up and down</option>`)}</select></label>
    <button type="submit" class="button" data-testid="lineage-search-submit">Focus</button>
  </form>`;
}

async function nodeStates(runtime: Runtime, nodes: readonly AssetNode[]): Promise<Map<string, NodeState>> {
  const states = await assetStates(runtime, nodes);
  return new Map([...states].map(([key, state]) => [key, { tone: state.tone, caption: state.caption, title: state.title }]));
}

function picture(svg: string, attributes: Html): Html {
  return html`${LEGEND}<div class="lineage-wrap" ${attributes}>${raw(svg)}</div>`;
}

async function focusedBody(runtime: Runtime, key: string, depth: number, searched?: string): Promise<Html> {
  const area = neighbourhood(runtime.graph, key, depth);
  const layout: LineageLayout = neighbourhoodLayout(runtime.graph, area);
  const svg = renderLineage(layout, await nodeStates(runtime, area.nodes), { focus: key });
  const cut =
    area.omitted === 0
      ? ''
      : notice(
          area.depth < depth
            ? `Drawn to depth ${area.depth}, not ${depth}: the next step would pass ${MAX_FOCUS_ASSETS} assets. ${formatNumber(area.omitted)} assets within depth ${depth} are not drawn; focus on one of them to follow it.`
            : `${formatNumber(area.omitted)} of the assets next to ${key} are not drawn (at most ${MAX_FOCUS_ASSETS} in one picture); focus on one of them to follow it.`,
        );
  return html`<div class="page-head"><h1>Lineage around <a href="${assetHref(key)}" class="asset-link">${key}</a></h1>
      <span class="muted" data-testid="lineage-focus-counts">${formatNumber(area.upstream)} upstream · ${formatNumber(area.downstream)} downstream · within ${area.depth} ${area.depth === 1 ? 'step' : 'steps'}</span>
      <span class="actions"><a href="/lineage">${runtime.graph.nodes.length > FULL_LINEAGE_MAX_ASSETS ? 'All groups' : 'All assets'}</a></span></div>
    ${searched === undefined ? '' : notice(`The only asset whose key contains '${searched}'.`)}
    ${searchForm(runtime, key, depth)}
    ${cut}
    ${picture(svg, html`data-testid="lineage-focus" data-focus="${key}" data-depth="${area.depth}"`)}`;
}

function searchBody(runtime: Runtime, text: string, matches: readonly string[], depth: number): Html {
  return html`<div class="page-head"><h1>Lineage</h1><span class="muted">${formatNumber(matches.length)} assets match '${text}'</span></div>
    ${searchForm(runtime, text, depth)}
    ${matches.length === 0
      ? emptyState(`No asset key contains '${text}'.`)
      : html`<p>Pick one to see its neighbourhood${matches.length > MAX_SEARCH_RESULTS ? html` (the first ${MAX_SEARCH_RESULTS}; <a href="${catalogHref({ q: text })}">all ${formatNumber(matches.length)} in the catalog</a>)` : ''}:</p>
        <ul class="search-results" data-testid="lineage-search-results">${matches.slice(0, MAX_SEARCH_RESULTS).map((key) => html`<li><a href="${lineageHref(key, depth)}" data-asset-key="${key}">${key}</a></li>`)}</ul>`}`;
}

function groupLinks(links: readonly GroupLink[]): Html {
  if (links.length === 0) return html`<span class="muted">–</span>`;
  const shown = links.slice(0, 4).map((link) =>
    link.group === null
      ? html`<span class="tag">(no group) <span class="muted">${formatNumber(link.dependencies)}</span></span>`
      : html`<a class="tag" href="${catalogHref({ group: link.group })}">${link.group} <span class="muted">${formatNumber(link.dependencies)}</span></a>`,
  );
  return html`${shown}${links.length > 4 ? html`<span class="muted">+${links.length - 4} more</span>` : ''}`;
}

async function summaryBody(runtime: Runtime, healths: ReadonlyMap<string, AssetHealth>): Promise<Html> {
  const { graph } = runtime;
  const problems = new Map<string | null, Record<'failed' | 'stale' | 'missing', number>>();
  for (const node of graph.nodes) {
    const health = healths.get(node.key);
    if (health !== 'failed' && health !== 'stale' && health !== 'missing') continue;
    const counts = problems.get(node.group) ?? { failed: 0, stale: 0, missing: 0 };
    counts[health] += 1;
    problems.set(node.group, counts);
  }
  const count = (group: string | null, health: 'failed' | 'stale' | 'missing') => {
    const value = problems.get(group)?.[health] ?? 0;
    if (value === 0) return html`<span class="muted">0</span>`;
    return group === null ? formatNumber(value) : html`<a href="${catalogHref({ group, status: health })}">${formatNumber(value)}</a>`;
  };
  return html`<div class="page-head"><h1>Lineage</h1><span class="muted">${formatNumber(graph.nodes.length)} assets · ${formatNumber(graph.edges.length)} dependencies</span></div>
    ${searchForm(runtime, undefined, DEFAULT_FOCUS_DEPTH)}
    <p class="warning" data-testid="lineage-too-big">${formatNumber(graph.nodes.length)} assets are too many to draw as one picture you could read (it would be tens of thousands of pixels tall and take seconds to lay out).
      Pick an asset above to see what it reads and what reads it, or open a group in the <a href="/assets">catalog</a>.</p>
    <h2>Groups</h2>
    <div class="table-wrap"><table data-testid="lineage-groups"><thead><tr>
      <th>group</th><th class="num">assets</th><th class="num">bronze</th><th class="num">silver</th><th class="num">gold</th>
      <th class="num">failed</th><th class="num">stale</th><th class="num">never materialized</th><th>reads from (dependencies)</th><th>read by (dependencies)</th>
    </tr></thead><tbody>
    ${groupSummaries(graph).map(
      (row) => html`<tr data-testid="lineage-group" data-group="${row.group ?? ''}">
        <td>${row.group === null ? html`<span class="muted">(no group)</span>` : html`<a href="${catalogHref({ group: row.group })}">${row.group}</a>`}</td>
        <td class="num">${formatNumber(row.assets)}</td><td class="num">${formatNumber(row.byLayer.bronze)}</td><td class="num">${formatNumber(row.byLayer.silver)}</td><td class="num">${formatNumber(row.byLayer.gold)}</td>
        <td class="num">${count(row.group, 'failed')}</td><td class="num">${count(row.group, 'stale')}</td><td class="num">${count(row.group, 'missing')}</td>
        <td>${groupLinks(row.readsFrom)}</td><td>${groupLinks(row.readBy)}</td></tr>`,
    )}</tbody></table></div>`;
}

export function registerLineagePage(ui: FastifyInstance, runtime: Runtime): void {
  ui.get('/lineage', { schema: { hide: true } }, async (request, reply) => {
    const { asset, depth } = parseOrThrow(LineageQuery, request.query, 'query');
    const { graph } = runtime;
    let body: Html;
    if (asset !== undefined && graph.assets.has(asset)) {
      body = await timeDb(request, () => focusedBody(runtime, asset, depth));
    } else if (asset !== undefined) {
      const text = asset.toLowerCase();
      const matches = graph.order.filter((key) => key.toLowerCase().includes(text));
      body = matches.length === 1 ? await timeDb(request, () => focusedBody(runtime, matches[0] as string, depth, asset)) : searchBody(runtime, asset, matches, depth);
    } else if (graph.nodes.length > FULL_LINEAGE_MAX_ASSETS) {
      body = await summaryBody(runtime, await timeDb(request, () => assetHealths(runtime, graph.nodes)));
    } else {
      const svg = renderLineage(lineageLayout(graph), await timeDb(request, () => nodeStates(runtime, graph.nodes)));
      body = html`<div class="page-head"><h1>Lineage</h1><span class="muted">${graph.nodes.length} assets · ${graph.edges.length} dependencies · data flows left to right; click an asset to open it</span></div>
        ${searchForm(runtime, undefined, DEFAULT_FOCUS_DEPTH)}
        ${picture(svg, html`data-testid="lineage-all"`)}`;
    }
    return sendPage(request, reply, { title: 'Lineage', body, wide: true });
  });
}
