/**
 * The shape of a `/coins/{id}/market_chart/range` response: three series of `[ms, value]`
 * points. Bronze refuses a body without the three arrays (it would mark days loaded that hold
 * nothing); the points themselves are judged one by one in silver (chart-days.ts).
 */
import { isJsonObject, type JsonValue } from '../sources/index.js';

export const SERIES = ['prices', 'market_caps', 'total_volumes'] as const;
export type SeriesName = (typeof SERIES)[number];

export type ChartSeries = Readonly<Record<SeriesName, readonly JsonValue[]>>;

export function chartSeries(data: JsonValue): { ok: true; series: ChartSeries } | { ok: false; reason: string } {
  if (!isJsonObject(data)) return { ok: false, reason: 'response is not a JSON object' };
  const missing = SERIES.filter((name) => !Array.isArray(data[name]));
  if (missing.length > 0) return { ok: false, reason: `response has no ${missing.join(', ')} array${missing.length > 1 ? 's' : ''}` };
  return { ok: true, series: { prices: data['prices'] as JsonValue[], market_caps: data['market_caps'] as JsonValue[], total_volumes: data['total_volumes'] as JsonValue[] } };
}
