/**
 * The shipped crypto pipeline's assets. Which optional assets exist follows the configuration:
 * a source in STRATA_SOURCES adds its bronze and silver assets, STRATA_HISTORY_COINS > 0 adds
 * the daily price history, STRATA_GOLD_AUTOMATION=eager gives the six-hourly gold marts the
 * condition `automation.eager()` (they then run as soon as silver has updated, and the
 * six-hourly schedule leaves them out). src/pipeline/index.ts turns them into definitions.
 */
import type { Config } from '../config.js';
import { automation, defineAsset, type AnyAsset } from '../index.js';
import { coingeckoGlobal } from './bronze/coingecko-global.js';
import { coingeckoMarkets } from './bronze/coingecko-markets.js';
import { coinpaprikaQuotes, coinpaprikaTickers } from './bronze/coinpaprika-tickers.js';
import { cryptoAnalyticsMart } from './gold/crypto-analytics-mart.js';
import { dailyCoinSummary } from './gold/daily-coin-summary.js';
import { defineMarketDaily } from './gold/market-daily.js';
import { marketSegmentAnalysis } from './gold/market-segment-analysis.js';
import { defineSourceReconciliation } from './gold/source-reconciliation.js';
import { coingeckoPriceHistory, priceHistory } from './history/index.js';
import { importedQuotes } from './imports/imported-quotes.js';
import { globalSnapshots } from './silver/global-snapshots.js';
import { marketSnapshots } from './silver/market-snapshots.js';

export type PipelineOptions = Pick<Config, 'sources' | 'historyCoins' | 'goldAutomation'>;

/** The default configuration's assets: CoinGecko only, with price history, gold on the schedule. */
export const DEFAULT_PIPELINE_OPTIONS: PipelineOptions = Object.freeze({ sources: ['coingecko'] as const, historyCoins: 50, goldAutomation: 'off' });

export function pipelineAssets(options: PipelineOptions = DEFAULT_PIPELINE_OPTIONS): AnyAsset[] {
  // Each source's silver asset writes its quotes to silver.market_quotes; the source marts read them.
  const quoteAssets: AnyAsset[] = [marketSnapshots];
  const sourceAssets: AnyAsset[] = [];
  if (options.sources.includes('coinpaprika')) {
    sourceAssets.push(coinpaprikaTickers, coinpaprikaQuotes);
    quoteAssets.push(coinpaprikaQuotes);
  }
  const historyAssets: AnyAsset[] = options.historyCoins > 0 ? [coingeckoPriceHistory, priceHistory] : [];
  const sixHourlyGold = [cryptoAnalyticsMart, marketSegmentAnalysis, defineSourceReconciliation(quoteAssets)];
  return [
    coingeckoMarkets,
    coingeckoGlobal,
    marketSnapshots,
    globalSnapshots,
    ...sourceAssets,
    ...historyAssets,
    // Its runs come from the csv_inbox sensor, one per file; it is not a dependency of the source
    // marts, whose partitions it does not have (they read silver.market_quotes, imports included).
    importedQuotes,
    ...(options.goldAutomation === 'eager' ? sixHourlyGold.map(eagerly) : sixHourlyGold),
    dailyCoinSummary,
    defineMarketDaily(quoteAssets),
  ];
}

/** The same asset, materialized by automation as soon as an upstream partition it reads updates. */
function eagerly(asset: AnyAsset): AnyAsset {
  return defineAsset({ ...asset, automation: automation.eager() });
}
