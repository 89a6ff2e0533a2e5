/** What the gold data view draws, from the marts read model: the newest partition of each mart. */
import type { Runtime } from '../../runtime.js';
import { MARTS, martRows, type MartRow, type MartRowsPage } from '../../server/read-models/marts.js';

export type { MartRow, MartRowsPage };

/** The mart whose table an asset fills, if any. */
export function martNameOf(assetKey: string): string | undefined {
  return Object.values(MARTS).find((spec) => spec.assetKey === assetKey)?.name;
}

export interface MartCharts {
  /** The partition the charts show; null while the marts are empty. */
  readonly partition: string | null;
  /** The analytics mart's coins by market-cap rank. */
  readonly coins: readonly MartRow[];
  readonly segments: readonly MartRow[];
}

/** `partition`: a six-hourly key; default each mart's newest. */
export async function martChartData(runtime: Runtime, partition?: string): Promise<MartCharts> {
  const [coins, segments] = await Promise.all([
    martRows(runtime, 'crypto_analytics_mart', { limit: 50, ...(partition === undefined ? {} : { partition }) }),
    martRows(runtime, 'market_segment_analysis', { limit: 20, sort: 'market_share_pct', order: 'desc', ...(partition === undefined ? {} : { partition }) }),
  ]);
  return { partition: coins.partition ?? segments.partition, coins: coins.rows, segments: segments.rows };
}
