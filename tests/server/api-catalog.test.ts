/**
 * `GET /api/v1/assets` on 5,000 assets: each filter (part of the key, layer, group, owner,
 * health) and their combination give exactly the assets the graph and the seeded runs say, in
 * topological order, a page at a time, with counts by health.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SEEDED, expectedHealths } from '../../bench/synthetic-asset-states.js';
import type { AssetNode } from '../../src/core/graph.js';
import { materialize } from '../../src/daemon/execute-run.js';
import type { AssetHealth } from '../../src/server/read-models/asset-health.js';
import { buildApp } from '../../src/server/app.js';
import { openCatalogRuntime, type CatalogRuntime } from '../helpers/catalog-runtime.js';
import { describeEachBackend } from '../helpers/test-backends.js';

interface CatalogBody {
  assets: { key: string; group: string | null; owners: string[]; health: AssetHealth; latestMaterialization: { at: string } | null }[];
  total: number;
  counts: Record<AssetHealth, number>;
  limit: number;
  offset: number;
}

describeEachBackend('asset catalog API at 5,000 assets', (backend) => {
  let catalog: CatalogRuntime;
  let app: FastifyInstance;
  let nodes: readonly AssetNode[];
  let healths: Map<string, AssetHealth>;

  beforeAll(async () => {
    catalog = await openCatalogRuntime('api_catalog', backend);
    app = await buildApp({ runtime: catalog.runtime });
    nodes = catalog.runtime.graph.nodes;
    healths = expectedHealths(catalog.runtime.graph);
  });

  afterAll(async () => {
    await app?.close();
    await catalog?.stop();
  });

  async function list(query: string): Promise<CatalogBody> {
    const response = await app.inject({ method: 'GET', url: `/api/v1/assets?${query}` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<CatalogBody>();
  }

  /** Every matching key, paging through 1,000 at a time. */
  async function allKeys(query: string): Promise<string[]> {
    const keys: string[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = await list(`${query}&limit=1000&offset=${offset}`);
      keys.push(...page.assets.map((asset) => asset.key));
      if (offset + 1000 >= page.total) return keys;
    }
  }

  const keysWhere = (test: (node: AssetNode) => boolean) => nodes.filter(test).map((node) => node.key);
  const countsOf = (keys: readonly string[]) => {
    const counts: Record<AssetHealth, number> = { ok: 0, stale: 0, failed: 0, running: 0, missing: 0 };
    for (const key of keys) counts[healths.get(key) as AssetHealth] += 1;
    return counts;
  };

  it('without filters: the first 100 of 5,000 in topological order, with counts by health', async () => {
    const page = await list('');
    expect(page.total).toBe(5000);
    expect(page).toMatchObject({ limit: 100, offset: 0 });
    expect(page.assets.map((asset) => asset.key)).toEqual(catalog.runtime.graph.order.slice(0, 100));
    expect(page.counts).toEqual(countsOf(catalog.runtime.graph.order));
    expect(page.counts.failed).toBe(SEEDED.failing.length);
    expect(page.counts.stale).toBeGreaterThan(0);
    expect(page.assets[0]).toMatchObject({ group: expect.any(String), owners: expect.any(Array) });
  });

  it('filters by part of the key (any case), layer, group and owner', async () => {
    expect(await allKeys('q=FCT_Finance_0')).toEqual(keysWhere((node) => node.key.includes('fct_finance_0')));
    expect(await allKeys('layer=gold&group=finance')).toEqual(keysWhere((node) => node.layer === 'gold' && node.group === 'finance'));
    expect(await allKeys('owner=team:payments')).toEqual(keysWhere((node) => node.owners.includes('team:payments')));
    const ana = await allKeys('owner=ana@example.com');
    expect(ana.length).toBeGreaterThan(0);
    expect(ana).toEqual(keysWhere((node) => node.owners.includes('ana@example.com')));
    expect((await list('group=nobody')).total).toBe(0);
  });

  it('filters by health: exactly the failed, stale and ok assets the seeded runs made', async () => {
    for (const status of ['failed', 'stale', 'ok'] as const) {
      expect(await allKeys(`status=${status}`), status).toEqual(keysWhere((node) => healths.get(node.key) === status));
    }
    expect(await allKeys('status=failed')).toEqual([...SEEDED.failing].sort((a, b) => nodes.findIndex((n) => n.key === a) - nodes.findIndex((n) => n.key === b)));
    const failed = await list('status=failed');
    expect(failed.assets.every((asset) => asset.health === 'failed')).toBe(true);
  });

  it('combines filters; counts cover every filter but health', async () => {
    const page = await list('group=finance&layer=gold&status=stale');
    const sameDefinition = keysWhere((node) => node.group === 'finance' && node.layer === 'gold');
    expect(page.assets.map((asset) => asset.key)).toEqual(sameDefinition.filter((key) => healths.get(key) === 'stale'));
    expect(page.assets.map((asset) => asset.key)).toEqual(expect.arrayContaining([...SEEDED.stale]));
    expect(page.counts).toEqual(countsOf(sameDefinition));
  });

  it('pages with limit and offset', async () => {
    const page = await list('limit=50&offset=4980');
    expect(page.assets.map((asset) => asset.key)).toEqual(catalog.runtime.graph.order.slice(4980));
    expect(page.total).toBe(5000);
    expect((await list('offset=6000')).assets).toEqual([]);
  });

  it('sees a materialization at once: what was read before is reused only while nothing was written', async () => {
    const key = 'silver/stg_orders_030';
    expect(healths.get(key)).toBe('missing');
    const before = await list('status=ok&limit=1000');
    expect(before.assets.map((asset) => asset.key)).not.toContain(key);
    expect(await list('status=ok&limit=1000')).toEqual(before);
    const { runtime } = catalog;
    const { result } = await materialize(runtime, { selection: `+${key}`, partitionKey: runtime.graph.assets.get(key)?.partitions?.keyFor(runtime.clock.now()) });
    expect(result.status).toBe('SUCCESS');
    const after = await list('status=ok&limit=1000');
    expect(after.assets.map((asset) => asset.key)).toContain(key);
    expect(after.counts.missing).toBeLessThan(before.counts.missing);
  });

  it('refuses a bad filter with 400 naming it', async () => {
    for (const [query, field] of [
      ['status=broken', 'status'],
      ['layer=platinum', 'layer'],
      ['limit=1001', 'limit'],
      ['offset=-1', 'offset'],
      [`q=${'x'.repeat(201)}`, 'q'],
    ] as const) {
      const response = await app.inject({ method: 'GET', url: `/api/v1/assets?${query}` });
      expect(response.statusCode, query).toBe(400);
      expect(response.json<{ message: string }>().message, query).toContain(field);
    }
  });
});
