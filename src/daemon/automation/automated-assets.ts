/**
 * The automated assets of a graph, as one evaluation sees them at `now`: each one's condition,
 * its latest partition (the one that contains now; '' when unpartitioned), and which automated
 * assets read each asset (what to re-evaluate when it changes).
 */
import type { AnyAsset } from '../../core/asset.js';
import type { AutomationCondition } from '../../core/automation/condition.js';
import type { AssetGraph } from '../../core/graph.js';

export interface AutomatedAsset {
  readonly asset: AnyAsset;
  readonly condition: AutomationCondition;
  readonly latestPartition: string;
  /** Its position in the graph's topological order: upstream assets are evaluated first. */
  readonly order: number;
}

export interface AutomationScope {
  readonly graph: AssetGraph;
  readonly automated: ReadonlyMap<string, AutomatedAsset>;
  /** For every asset, the automated assets that depend on it directly. */
  readonly automatedDownstream: ReadonlyMap<string, readonly AutomatedAsset[]>;
}

export function partitionAt(asset: AnyAsset, time: Date): string {
  return asset.partitions === undefined ? '' : asset.partitions.keyFor(time);
}

export function automationScope(graph: AssetGraph, now: Date): AutomationScope {
  const automated = new Map<string, AutomatedAsset>();
  graph.order.forEach((key, order) => {
    const asset = graph.assets.get(key) as AnyAsset;
    if (asset.automation !== undefined) automated.set(key, { asset, condition: asset.automation, latestPartition: partitionAt(asset, now), order });
  });
  const automatedDownstream = new Map<string, AutomatedAsset[]>();
  for (const entry of automated.values()) {
    for (const upstream of graph.upstream.get(entry.asset.key) ?? []) {
      automatedDownstream.set(upstream, [...(automatedDownstream.get(upstream) ?? []), entry]);
    }
  }
  return { graph, automated, automatedDownstream };
}
