/**
 * Read model of the asset graph, shared by the JSON API and the lineage page:
 * `assetGraph(runtime)` gives every node with what colours it (last run and step status,
 * staleness, latest materialization time) and every edge (`from` upstream `to` downstream).
 */
import type { AssetEdge, AssetNode } from '../../core/graph.js';
import type { RunStatus, StepStatus } from '../../core/types.js';
import type { Runtime } from '../../runtime.js';
import { assetList } from './assets.js';

export interface GraphNode extends AssetNode {
  readonly latestMaterializationAt: Date | null;
  /** null: the asset has no freshness objective. */
  readonly stale: boolean | null;
  readonly lastRunId: string | null;
  readonly lastRunStatus: RunStatus | null;
  /** The asset's own step in its last run: a run can fail on another asset. */
  readonly lastStepStatus: StepStatus | null;
}

export interface AssetGraphView {
  /** Topological order. */
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly AssetEdge[];
}

export async function assetGraph(runtime: Runtime): Promise<AssetGraphView> {
  const assets = await assetList(runtime);
  const nodes = assets.map(({ upstream: _upstream, downstream: _downstream, latestMaterialization, freshness, lastRun, ...node }) => ({
    ...node,
    latestMaterializationAt: latestMaterialization?.at ?? null,
    stale: freshness.stale,
    lastRunId: lastRun?.id ?? null,
    lastRunStatus: lastRun?.status ?? null,
    lastStepStatus: lastRun?.stepStatus ?? null,
  }));
  return { nodes, edges: runtime.graph.edges };
}
