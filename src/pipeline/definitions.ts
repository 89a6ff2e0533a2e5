/** The shipped crypto pipeline: every asset, and the one validated graph the CLI, API and UI read. */
import type { AnyAsset } from '../core/asset.js';
import { buildGraph } from '../core/graph.js';
import { coingeckoGlobal } from './bronze/coingecko-global.js';
import { coingeckoMarkets } from './bronze/coingecko-markets.js';
import { cryptoAnalyticsMart } from './gold/crypto-analytics-mart.js';
import { dailyCoinSummary } from './gold/daily-coin-summary.js';
import { marketSegmentAnalysis } from './gold/market-segment-analysis.js';
import { globalSnapshots } from './silver/global-snapshots.js';
import { marketSnapshots } from './silver/market-snapshots.js';

export const PIPELINE_ASSETS: readonly AnyAsset[] = Object.freeze([
  coingeckoMarkets,
  coingeckoGlobal,
  marketSnapshots,
  globalSnapshots,
  cryptoAnalyticsMart,
  marketSegmentAnalysis,
  dailyCoinSummary,
]);

export function pipelineGraph() {
  return buildGraph([...PIPELINE_ASSETS]);
}
