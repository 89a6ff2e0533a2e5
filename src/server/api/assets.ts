import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { StrataError } from '../../core/errors.js';
import type { Runtime } from '../../runtime.js';
import { latestCheckResults, listMaterializations } from '../../storage/index.js';
import { parseInput } from '../parse-input.js';

const AssetParams = z.object({ '*': z.string().min(1) });

/** Staleness for a badge: lag since the latest materialization against the asset's objective. */
function freshnessOf(runtime: Runtime, key: string, latestAt: Date | undefined) {
  const objectiveMs = runtime.graph.assets.get(key)?.freshness?.maxLagMs;
  const lagMs = latestAt === undefined ? null : runtime.clock.now().getTime() - latestAt.getTime();
  return {
    objectiveSeconds: objectiveMs === undefined ? null : objectiveMs / 1000,
    lagSeconds: lagMs === null ? null : lagMs / 1000,
    stale: objectiveMs === undefined ? null : lagMs === null || lagMs > objectiveMs,
  };
}

export function registerAssetRoutes(app: FastifyInstance, runtime: Runtime): void {
  const { graph } = runtime;

  /** Every asset in topological order, with its latest materialization. */
  app.get('/assets', async () => {
    const assets = await Promise.all(
      graph.nodes.map(async (node) => {
        const [latest] = await listMaterializations(runtime.database.db, node.key, 1);
        return {
          ...node,
          upstream: graph.upstream.get(node.key) ?? [],
          downstream: graph.downstream.get(node.key) ?? [],
          latestMaterialization: latest ?? null,
          freshness: freshnessOf(runtime, node.key, latest?.at),
        };
      }),
    );
    return { assets, edges: graph.edges };
  });

  app.get('/assets/*', async (request) => {
    const { '*': key } = parseInput(AssetParams, request.params, 'params');
    const node = graph.nodes.find((candidate) => candidate.key === key);
    if (node === undefined) throw new StrataError('ASSET_NOT_FOUND', `no asset '${key}'`);
    const materializations = await listMaterializations(runtime.database.db, key, 20);
    const checks = await latestCheckResults(runtime.database.db, key);
    return {
      ...node,
      upstream: graph.upstream.get(key) ?? [],
      downstream: graph.downstream.get(key) ?? [],
      freshness: freshnessOf(runtime, key, materializations[0]?.at),
      materializations,
      /** The newest result of each of the asset's checks. */
      checks,
    };
  });
}
