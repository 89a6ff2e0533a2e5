/**
 * Where price history lands in bronze. Each fetch is a partition of its own under the day's
 * prefix, `raw/D/D/coingecko_price_history/<coin>/`, holding the response as received
 * (`market_chart_<first>_<last>.json`) and `_manifest.json`, committed together. Committing per
 * coin is what lets a crashed run keep every coin it finished: see coingecko-price-history.ts.
 */
import type { BronzeStore } from '../../index.js';
import { MANIFEST_FILE, bronzePrefix } from '../bronze/manifest.js';

export const PRICE_HISTORY_ASSET_NAME = 'coingecko_price_history';

/** `raw/2025-02-09/2025-02-09/coingecko_price_history`. */
export function historyPrefix(day: string): string {
  return bronzePrefix(PRICE_HISTORY_ASSET_NAME, day);
}

/** `bitcoin/market_chart_2025-01-01_2025-02-09.json`, relative to the partition prefix. */
export function chartFile(coinId: string, firstDay: string, lastDay: string): string {
  return `${coinId}/${chartFileName(firstDay, lastDay)}`;
}

export function chartFileName(firstDay: string, lastDay: string): string {
  return `market_chart_${firstDay}_${lastDay}.json`;
}

/** The days a chart file was fetched for, read back from its name. */
export function daysOfChartFile(name: string): { firstDay: string; lastDay: string } | undefined {
  const match = /(?:^|\/)market_chart_(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})\.json$/.exec(name);
  return match ? { firstDay: match[1] as string, lastDay: match[2] as string } : undefined;
}

/** The coin folders under a partition's prefix (each committed whole, so each has its manifest), sorted. */
export async function landedCoinFolders(bronze: BronzeStore, prefix: string): Promise<string[]> {
  const suffix = `/${MANIFEST_FILE}`;
  return (await bronze.list(`${prefix}/`))
    .filter((key) => key.endsWith(suffix))
    .map((key) => key.slice(prefix.length + 1, -suffix.length))
    .filter((folder) => folder !== '' && !folder.includes('/'));
}
