/**
 * Each asset's health for the overview cards and the lineage colours, from the assets read
 * model: its last run's step for the asset, its latest materialization and its staleness against
 * its freshness objective.
 */
import type { AssetNode } from '../../core/graph.js';
import type { Runtime } from '../../runtime.js';
import { healthOf, type AssetHealth } from '../../server/read-models/asset-health.js';
import { assetSummaries, type AssetSummary } from '../../server/read-models/assets.js';
import type { Tone } from '../charts/svg.js';
import { formatTime } from '../format.js';

export interface AssetState {
  readonly summary: AssetSummary;
  readonly health: AssetHealth;
  readonly tone: Tone;
  /** Second line of a lineage node. */
  readonly caption: string;
  /** Tooltip. */
  readonly title: string;
}

const TONES: Readonly<Record<AssetHealth, Tone>> = { ok: 'success', failed: 'failure', stale: 'queued', running: 'running', missing: 'missing' };

function describe(summary: AssetSummary, health: AssetHealth): { caption: string; title: string } {
  const latestAt = summary.latestMaterialization?.at ?? null;
  const objective = summary.freshness.objectiveSeconds;
  const caption =
    health === 'missing'
      ? 'never materialized'
      : health === 'failed'
        ? `failed · run ${summary.lastRun?.id.slice(0, 8) ?? ''}`
        : health === 'running'
          ? 'running now'
          : `${health === 'stale' ? 'stale · ' : ''}${formatTime(latestAt)}`;
  const title = [
    latestAt === null ? 'never materialized' : `last materialized ${formatTime(latestAt)}`,
    summary.lastRun ? `last run ${summary.lastRun.id} ${summary.lastRun.status}${summary.lastRun.stepStatus ? ` (step ${summary.lastRun.stepStatus})` : ''}` : '',
    objective === null ? '' : `freshness objective ${Math.round(objective / 60)} min${health === 'stale' ? ', stale' : ''}`,
  ]
    .filter((part) => part !== '')
    .join('; ');
  return { caption, title };
}

/** The state of each of `nodes` (default every asset): two queries whatever their number. */
export async function assetStates(runtime: Runtime, nodes: readonly AssetNode[] = runtime.graph.nodes): Promise<Map<string, AssetState>> {
  const summaries = await assetSummaries(runtime, nodes);
  return new Map(
    summaries.map((summary) => {
      const health = healthOf(summary);
      return [summary.key, { summary, health, tone: TONES[health], ...describe(summary, health) }];
    }),
  );
}
