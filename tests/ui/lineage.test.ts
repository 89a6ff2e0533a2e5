/** The lineage page on a synthetic 500-asset graph: every asset drawn once, every edge drawn. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defineAsset, type AnyAsset } from '../../src/core/asset.js';
import { buildGraph, type AssetGraph } from '../../src/core/graph.js';
import type { Layer } from '../../src/core/types.js';
import { buildApp } from '../../src/server/app.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { startPipeline, type Pipeline } from '../pipeline/pipeline-harness.js';
import { count } from './ui-harness.js';

/** 500 assets in five tiers; each reads one or two assets of the tier before. */
function syntheticGraph(size: number): AssetGraph {
  const layers: Layer[] = ['bronze', 'silver', 'silver', 'gold', 'gold'];
  const perTier = size / layers.length;
  const tiers: AnyAsset[][] = [];
  layers.forEach((layer, tier) => {
    const assets: AnyAsset[] = [];
    for (let i = 0; i < perTier; i++) {
      const previous = tiers[tier - 1] ?? [];
      const deps: Record<string, AnyAsset> = {};
      if (previous.length > 0) {
        deps['a'] = previous[i % previous.length] as AnyAsset;
        if (i % 3 === 0) deps['b'] = previous[(i * 7 + 1) % previous.length] as AnyAsset;
      }
      assets.push(defineAsset({ key: `${layer}/t${tier}_asset_${String(i).padStart(3, '0')}`, layer, description: 'synthetic', deps, materialize: async () => ({ value: null }) }));
    }
    tiers.push(assets);
  });
  return buildGraph(tiers.flat());
}

describeEachBackend('lineage of a 500-asset graph', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let app: FastifyInstance;
  const graph = syntheticGraph(500);

  beforeAll(async () => {
    database = await createTestDatabase('ui-lineage', { backend });
    pipeline = await startPipeline(database);
    app = await buildApp({ runtime: { ...pipeline.runtime, graph } });
  });

  afterAll(async () => {
    await app?.close();
    await pipeline?.stop();
    await database?.destroy();
  });

  it('draws 500 nodes and every edge, each node linking to its asset', async () => {
    const response = await app.inject({ method: 'GET', url: '/lineage' });
    expect(response.statusCode).toBe(200);
    expect(count(response.body, 'data-testid="lineage-node"')).toBe(500);
    expect(count(response.body, 'marker-end="url(#arrow)"')).toBe(graph.edges.length);
    expect(response.body).toContain('data-asset-key="gold/t4_asset_099"');
    expect(response.body).toContain('href="/assets/gold/t4_asset_099"');
    // The layout is cached per graph: a second render draws the same picture.
    const again = await app.inject({ method: 'GET', url: '/lineage' });
    expect(again.body.match(/<svg[\s\S]*<\/svg>/)?.[0]).toBe(response.body.match(/<svg[\s\S]*<\/svg>/)?.[0]);
  });
});
