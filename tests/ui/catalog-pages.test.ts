/**
 * The catalog and the lineage pages on 5,000 assets through `app.inject()`: filters and paging
 * by GET query (no JavaScript), the lineage summarised by group instead of drawn whole, one
 * asset's neighbourhood drawn, and a search to pick the asset.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEEDED, expectedHealths } from '../../bench/synthetic-asset-states.js';
import type { AssetHealth } from '../../src/server/read-models/asset-health.js';
import { buildApp } from '../../src/server/app.js';
import { MAX_FOCUS_ASSETS, neighbourhood } from '../../src/ui/lineage/neighbourhood.js';
import { openCatalogRuntime, type CatalogRuntime } from '../helpers/catalog-runtime.js';
import { count } from './ui-harness.js';

const rowKeys = (body: string) => [...body.matchAll(/data-testid="catalog-row" data-asset-key="([^"]+)"/g)].map((match) => match[1]);
const nodeKeys = (body: string) => [...body.matchAll(/data-testid="lineage-node" data-asset-key="([^"]+)"/g)].map((match) => match[1]);

describe('catalog and lineage pages at 5,000 assets', () => {
  let catalog: CatalogRuntime;
  let app: FastifyInstance;
  let healths: Map<string, AssetHealth>;

  beforeAll(async () => {
    catalog = await openCatalogRuntime('ui_catalog');
    app = await buildApp({ runtime: catalog.runtime });
    healths = expectedHealths(catalog.runtime.graph);
  });

  afterAll(async () => {
    await app?.close();
    await catalog?.stop();
  });

  async function page(url: string) {
    const response = await app.inject({ method: 'GET', url });
    return { status: response.statusCode, body: response.body, serverTiming: String(response.headers['server-timing'] ?? '') };
  }

  it('lists the first 100 assets with layer, group, owners, partitions, last materialization and status', async () => {
    const { status, body, serverTiming } = await page('/assets');
    expect(status).toBe(200);
    expect(rowKeys(body)).toEqual(catalog.runtime.graph.order.slice(0, 100));
    expect(body).toContain('data-testid="catalog-total" data-total="5000"');
    expect(body).toMatch(/data-testid="nav-assets" class="current"/);
    expect(body).toContain('data-testid="catalog-next"');
    expect(body).toContain('page 1 of 50');
    expect(body).toContain(`data-testid="catalog-count-failed">\n      <a class="n failure" href="/assets?status=failed">${SEEDED.failing.length}</a>`);
    expect(serverTiming).toMatch(/^db;dur=[\d.]+, total;dur=[\d.]+$/);
    // The form and table work without our script, and the page has none inline.
    for (const field of ['q', 'layer', 'group', 'owner', 'status']) expect(body).toContain(`name="${field}"`);
    expect(body).toContain('<form method="get" action="/assets"');
    expect(body).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(body).not.toMatch(/\sstyle=/);
  });

  it('filters by name, group, owner and status together and keeps the filters when paging', async () => {
    const graph = catalog.runtime.graph;
    const { body } = await page('/assets?q=FCT_finance&layer=gold&group=finance&owner=team%3Afinance&status=stale');
    const expected = graph.nodes
      .filter((node) => node.key.includes('fct_finance') && node.owners.includes('team:finance') && healths.get(node.key) === 'stale')
      .map((node) => node.key);
    expect(expected).toEqual(expect.arrayContaining([...SEEDED.stale]));
    expect(rowKeys(body)).toEqual(expected);
    expect(body).toContain('value="FCT_finance"');
    expect(body).toMatch(/<option value="finance" selected>/);

    const owned = graph.nodes.filter((node) => node.owners.includes('team:orders')).map((node) => node.key);
    const second = await page('/assets?owner=team%3Aorders&q=&layer=&status=&page=2');
    expect(rowKeys(second.body)).toEqual(owned.slice(100, 200));
    expect(second.body).toContain('href="/assets?owner=team%3Aorders&amp;page=3"');
    expect(second.body).toContain('href="/assets?owner=team%3Aorders" data-testid="catalog-previous"');

    const failed = await page('/assets?status=failed');
    expect(rowKeys(failed.body).sort()).toEqual([...SEEDED.failing].sort());
    expect(count(failed.body, 'data-health="failed"')).toBe(SEEDED.failing.length + 1);
  });

  it('answers a bad filter with a 400 page naming it', async () => {
    const { status, body } = await page('/assets?status=gone');
    expect(status).toBe(400);
    expect(body).toContain('query.status');
  });

  it('summarises a 5,000-asset lineage by group instead of drawing it, with a search box', async () => {
    const started = performance.now();
    const { status, body } = await page('/lineage');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(status).toBe(200);
    expect(body).toContain('data-testid="lineage-too-big"');
    expect(body).toContain('data-testid="lineage-search"');
    expect(count(body, 'data-testid="lineage-node"')).toBe(0);
    expect(count(body, 'data-testid="lineage-group"')).toBe(10);
    expect(body).toMatch(/data-group="finance"[\s\S]*?href="\/assets\?group=finance&amp;status=failed">1</);
  });

  it('draws an asset and its neighbourhood two steps each way, and nothing else', async () => {
    const key = 'gold/fct_finance_048';
    const { status, body } = await page(`/lineage?asset=${encodeURIComponent(key)}`);
    expect(status).toBe(200);
    const area = neighbourhood(catalog.runtime.graph, key, 2);
    expect(area.omitted).toBe(0);
    expect(nodeKeys(body).sort()).toEqual(area.nodes.map((node) => node.key).sort());
    expect(count(body, 'marker-end="url(#arrow)"')).toBe(area.edges.length);
    expect(body).toContain(`data-asset-key="${key}" data-tone="queued" data-focus="true"`);
    expect(body).toContain(`data-testid="lineage-focus" data-focus="${key}" data-depth="2"`);
    const deeper = await page(`/lineage?asset=${encodeURIComponent(key)}&depth=3`);
    expect(nodeKeys(deeper.body).length).toBe(neighbourhood(catalog.runtime.graph, key, 3).nodes.length);
  });

  it('draws less of a root read by dozens of assets, and says so', async () => {
    const { body } = await page('/lineage?asset=bronze%2Fraw_orders_000');
    const drawn = nodeKeys(body);
    expect(drawn.length).toBeLessThanOrEqual(MAX_FOCUS_ASSETS);
    expect(drawn).toEqual(expect.arrayContaining(catalog.runtime.graph.downstream.get('bronze/raw_orders_000') as string[]));
    expect(body).toMatch(/Drawn to depth 1, not 2/);
  });

  it('searches by part of a key: a list to pick from, or the only match drawn', async () => {
    const { body } = await page('/lineage?asset=fct_finance_0');
    expect(body).toContain('data-testid="lineage-search-results"');
    expect(body).toContain('href="/lineage?asset=gold%2Ffct_finance_048"');
    const only = await page('/lineage?asset=rpt_web_049');
    expect(only.body).toContain('data-focus="gold/rpt_web_049"');
    expect(only.body).toContain("The only asset whose key contains &#39;rpt_web_049&#39;.");
    expect((await page('/lineage?asset=nothing_like_it')).body).toContain('No asset key contains');
    expect((await page('/lineage?asset=gold/rpt_web_049&depth=9')).status).toBe(400);
  });

  it('lists ten problem assets per layer on the overview and links to the rest in the catalog', async () => {
    const { status, body } = await page('/');
    expect(status).toBe(200);
    const gold = /data-layer="gold"[\s\S]*?<\/section>/.exec(body)?.[0] ?? '';
    const goldMissing = [...healths].filter(([key, health]) => key.startsWith('gold/') && health === 'missing').length;
    expect(gold).toContain(`data-health="missing"><span class="n missing">${goldMissing}</span>`);
    expect(count(gold, 'class="asset-link"')).toBe(10);
    const goldNotOk = [...healths].filter(([key, health]) => key.startsWith('gold/') && health !== 'ok').length;
    expect(gold).toContain(`<a href="/assets?layer=gold">…and ${goldNotOk - 10} more in the catalog →</a>`);
  });

  it('filters runs by an asset typed in, not picked from 5,000 options', async () => {
    const { status, body } = await page('/runs?asset=gold%2Ffct_finance_048');
    expect(status).toBe(200);
    expect(body).toContain('<input type="text" name="asset" value="gold/fct_finance_048"');
    expect(body.length).toBeLessThan(50_000);
    expect(count(body, 'data-run-id=')).toBe(1);
  });

  it('links an asset page to its focused lineage', async () => {
    const { body } = await page('/assets/gold/fct_finance_048');
    expect(body).toContain('href="/lineage?asset=gold%2Ffct_finance_048" data-testid="asset-lineage-link"');
  });
});
