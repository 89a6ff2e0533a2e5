/**
 * `/assets`: the asset catalog. Every asset with its layer, group, owners, partitions, last
 * materialization and health, filtered by a GET form (works without JavaScript) and paged,
 * with how many assets match and how many of them have each health. Same read model and
 * filters as `GET /api/v1/assets`.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { LAYERS } from '../../core/types.js';
import type { Runtime } from '../../runtime.js';
import { CatalogFilterQuery } from '../../server/api/schemas.js';
import { ASSET_HEALTHS, type AssetHealth } from '../../server/read-models/asset-health.js';
import { catalogFacets, catalogPage, type CatalogEntry, type CatalogFilter } from '../../server/read-models/catalog.js';
import { timeDb } from '../../server/server-timing.js';
import { assetHref, catalogHref, emptyState, layerTag, lineageHref, statusBadge } from '../components.js';
import { formatNumber, formatTime } from '../format.js';
import { html, type Html } from '../html.js';
import { parseOrThrow, sendPage } from '../respond.js';

export const CATALOG_PAGE_SIZE = 100;

const CatalogQuery = CatalogFilterQuery.extend({
  page: z.preprocess((value) => (value === '' ? undefined : value), z.coerce.number().int().min(1).max(10_000).default(1)),
});

/** The overview's words: `missing` reads "never materialized". */
export const HEALTH_LABELS: Readonly<Record<AssetHealth, string>> = { ok: 'ok', stale: 'stale', failed: 'failed', running: 'running', missing: 'never materialized' };

type Filters = Record<keyof CatalogFilter, string | undefined>;

function filterForm(filters: Filters, runtime: Runtime, counts: Readonly<Record<AssetHealth, number>>): Html {
  const { groups, owners } = catalogFacets(runtime.graph);
  const option = (value: string, label: string, current: string | undefined) => html`<option value="${value}" ${value === (current ?? '') ? 'selected' : ''}>${label}</option>`;
  return html`<form method="get" action="/assets" class="form-row card" data-testid="catalog-filter" role="search">
    <label>Name contains <input type="text" name="q" value="${filters.q ?? ''}" maxlength="200" placeholder="orders" data-testid="filter-q"></label>
    <label>Layer <select name="layer" data-testid="filter-layer">${option('', 'any', filters.layer)}${LAYERS.map((layer) => option(layer, layer, filters.layer))}</select></label>
    <label>Group <select name="group" data-testid="filter-group">${option('', 'any', filters.group)}${groups.map((group) => option(group, group, filters.group))}</select></label>
    <label>Owner <input type="text" name="owner" value="${filters.owner ?? ''}" maxlength="200" list="catalog-owners" placeholder="team:orders" data-testid="filter-owner"></label>
    <datalist id="catalog-owners">${owners.map((owner) => html`<option value="${owner}">`)}</datalist>
    <label>Status <select name="status" data-testid="filter-status">${option('', 'any', filters.status)}${ASSET_HEALTHS.map((health) => option(health, `${HEALTH_LABELS[health]} (${formatNumber(counts[health])})`, filters.status))}</select></label>
    <button type="submit" class="button" data-testid="filter-submit">Filter</button>
    ${Object.values(filters).some((value) => value !== undefined) ? html`<a href="/assets" data-testid="filter-clear">clear</a>` : ''}
  </form>`;
}

function healthCounts(filters: Filters, counts: Readonly<Record<AssetHealth, number>>): Html {
  return html`<ul class="counts catalog-counts" data-testid="catalog-counts">${ASSET_HEALTHS.map(
    (health) => html`<li data-health="${health}" data-testid="catalog-count-${health}">
      <a class="n ${counts[health] > 0 ? statusToneClass(health) : ''}" href="${catalogHref({ ...filters, status: health })}">${formatNumber(counts[health])}</a><span class="label">${HEALTH_LABELS[health]}</span></li>`,
  )}</ul>`;
}

function statusToneClass(health: AssetHealth): string {
  return { ok: 'success', stale: 'queued', failed: 'failure', running: 'running', missing: 'missing' }[health];
}

function catalogTable(entries: readonly CatalogEntry[], filters: Filters): Html {
  return html`<div class="table-wrap"><table data-testid="catalog-table"><thead><tr>
      <th>asset</th><th>layer</th><th>group</th><th>owners</th><th>partitions</th><th>last materialization</th><th>status</th><th></th>
    </tr></thead><tbody>
    ${entries.map(
      (entry) => html`<tr data-testid="catalog-row" data-asset-key="${entry.key}" data-health="${entry.health}">
        <td><a href="${assetHref(entry.key)}" class="asset-link">${entry.key}</a></td>
        <td>${layerTag(entry.layer)}</td>
        <td>${entry.group === null ? html`<span class="muted">–</span>` : html`<a href="${catalogHref({ ...filters, group: entry.group })}">${entry.group}</a>`}</td>
        <td>${entry.owners.length === 0 ? html`<span class="muted">–</span>` : entry.owners.map((owner) => html`<a class="tag" href="${catalogHref({ ...filters, owner })}">${owner}</a>`)}</td>
        <td>${entry.partitions === null ? html`<span class="muted">unpartitioned</span>` : entry.partitions.replace('_', '-')}</td>
        <td>${entry.latestMaterialization === null ? html`<span class="muted">never</span>` : html`${formatTime(entry.latestMaterialization.at)}${entry.latestMaterialization.partitionKey ? html` <span class="muted mono">${entry.latestMaterialization.partitionKey}</span>` : ''}`}</td>
        <td>${statusBadge(HEALTH_LABELS[entry.health])}</td>
        <td><a href="${lineageHref(entry.key)}" class="hint">lineage</a></td>
      </tr>`,
    )}</tbody></table></div>`;
}

export function registerCatalogPage(ui: FastifyInstance, runtime: Runtime): void {
  ui.get('/assets', { schema: { hide: true } }, async (request, reply) => {
    const { page, ...filter } = parseOrThrow(CatalogQuery, request.query, 'query');
    const result = await timeDb(request, () => catalogPage(runtime, filter, { limit: CATALOG_PAGE_SIZE, offset: (page - 1) * CATALOG_PAGE_SIZE }));
    const filters: Filters = { q: filter.q, layer: filter.layer, group: filter.group, owner: filter.owner, status: filter.status };
    const pages = Math.max(1, Math.ceil(result.total / CATALOG_PAGE_SIZE));
    const first = (page - 1) * CATALOG_PAGE_SIZE + 1;
    const { groups, owners } = catalogFacets(runtime.graph);
    const body = html`<div class="page-head"><h1>Assets</h1>
        <span class="muted">${formatNumber(runtime.graph.nodes.length)} assets · ${groups.length} groups · ${owners.length} owners</span></div>
      ${filterForm(filters, runtime, result.counts)}
      <p data-testid="catalog-total" data-total="${result.total}">${
        result.total === 0
          ? 'No asset matches these filters.'
          : html`Showing ${formatNumber(Math.min(first, result.total))}–${formatNumber(Math.min(first + result.assets.length - 1, result.total))} of <strong>${formatNumber(result.total)}</strong> matching assets.`
      } <span class="muted">By status, of the assets matching the other filters:</span></p>
      ${healthCounts(filters, result.counts)}
      ${result.assets.length === 0 ? emptyState(page > 1 ? 'No more assets: this page is past the last one.' : 'Nothing to show.') : catalogTable(result.assets, filters)}
      <nav class="pager">
        ${page > 1 ? html`<a href="${catalogHref(filters, Math.min(page - 1, pages))}" data-testid="catalog-previous" rel="prev">← Previous</a>` : ''}
        <span class="muted" data-testid="catalog-page">page ${formatNumber(page)} of ${formatNumber(pages)}</span>
        ${page < pages ? html`<a href="${catalogHref(filters, page + 1)}" data-testid="catalog-next" rel="next">Next →</a>` : ''}
      </nav>`;
    return sendPage(request, reply, { title: 'Assets', body });
  });
}
