/**
 * The three charts of the gold data view as standalone SVG strings, for callers outside a page
 * (`strata chart`): the same query and the same chart functions the UI draws with.
 */
import type { Runtime } from '../runtime.js';
import { marketShareChart, segmentChart, topPricesChart } from './pages/mart-view.js';
import { martChartData } from './queries/marts.js';

export const GOLD_CHART_NAMES = ['market-share', 'top-prices', 'segments'] as const;
export type GoldChartName = (typeof GOLD_CHART_NAMES)[number];

export interface GoldCharts {
  /** The partition drawn; null while the marts are empty. */
  readonly partition: string | null;
  /** A chart per name; null when its mart has no rows in the partition. */
  readonly charts: Readonly<Record<GoldChartName, string | null>>;
}

/** `partition`: a six-hourly key; default the newest partition of the marts. */
export async function goldCharts(runtime: Runtime, partition?: string): Promise<GoldCharts> {
  const data = await martChartData(runtime, partition);
  const coins = data.coins.length === 0 ? null : data.coins;
  return {
    partition: data.partition,
    charts: {
      'market-share': coins && marketShareChart(coins),
      'top-prices': coins && topPricesChart(coins),
      segments: data.segments.length === 0 ? null : segmentChart(data.segments),
    },
  };
}
