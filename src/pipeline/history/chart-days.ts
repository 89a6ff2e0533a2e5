/**
 * One landed market-chart response turned into coin-days for silver.price_history, and the
 * points that cannot be used into quarantine rows with their reasons: every point of the file
 * is either counted into a day or quarantined, never dropped.
 *
 * A day's values are its last points (by timestamp): the close price, and the market cap and
 * volume at that time. Numbers keep the response's text, so NUMERIC gets them exactly.
 */
import { JsonNumber, parseLosslessJson, stringifyLosslessJson, type JsonValue } from '../sources/index.js';
import type { QuarantinedRow } from '../silver/market-rows.js';
import { SERIES, chartSeries, type SeriesName } from './chart-series.js';
import { dayOf } from './history-days.js';

export interface HistoryDay {
  readonly coinId: string;
  readonly day: string;
  readonly priceUsd: string | null;
  readonly marketCapUsd: string | null;
  readonly totalVolumeUsd: string | null;
  /** Valid price points within the day. */
  readonly points: number;
  /** The day's latest valid point of any series, in milliseconds. */
  readonly lastPointAt: number;
  readonly sourceFile: string;
}

export interface ChartFile {
  readonly coinId: string;
  /** Relative to the partition prefix, as silver and the checkpoint name it. */
  readonly sourceFile: string;
  /** The days the file was fetched for; points outside them are quarantined. */
  readonly firstDay: string;
  readonly lastDay: string;
  readonly body: Buffer;
}

interface Point {
  readonly at: number;
  readonly value: string;
}

interface DayBuilder {
  prices: number;
  lastPointAt: number;
  last: Partial<Record<SeriesName, Point>>;
}

export function chartDays(file: ChartFile): { days: HistoryDay[]; quarantined: QuarantinedRow[] } {
  const data = parseChartBody(file);
  const parsed = chartSeries(data);
  const quarantine = (reason: string, raw: JsonValue, sourceRow: number): QuarantinedRow => ({
    coinId: file.coinId,
    reason,
    rawJson: stringifyLosslessJson(raw),
    sourceFile: file.sourceFile,
    sourceRow,
  });
  if (!parsed.ok) return { days: [], quarantined: [quarantine(`not a market chart: ${parsed.reason}`, data, 0)] };

  const quarantined: QuarantinedRow[] = [];
  const byDay = new Map<string, DayBuilder>();
  for (const name of SERIES) {
    parsed.series[name].forEach((raw, index) => {
      const point = pointOf(raw);
      if (typeof point === 'string') {
        quarantined.push(quarantine(`${name}[${index}]: ${point}`, raw, index));
        return;
      }
      const day = dayOf(point.at);
      if (day < file.firstDay || day > file.lastDay) {
        quarantined.push(quarantine(`${name}[${index}]: point at ${new Date(point.at).toISOString()} is outside the fetched days ${file.firstDay}..${file.lastDay}`, raw, index));
        return;
      }
      let builder = byDay.get(day);
      if (builder === undefined) {
        builder = { prices: 0, lastPointAt: point.at, last: {} };
        byDay.set(day, builder);
      }
      if (name === 'prices') builder.prices += 1;
      builder.lastPointAt = Math.max(builder.lastPointAt, point.at);
      const previous = builder.last[name];
      // Equal timestamps: the later point in the response wins.
      if (previous === undefined || point.at >= previous.at) builder.last[name] = point;
    });
  }
  const days = [...byDay.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([day, builder]) => ({
      coinId: file.coinId,
      day,
      priceUsd: builder.last.prices?.value ?? null,
      marketCapUsd: builder.last.market_caps?.value ?? null,
      totalVolumeUsd: builder.last.total_volumes?.value ?? null,
      points: builder.prices,
      lastPointAt: builder.lastPointAt,
      sourceFile: file.sourceFile,
    }));
  return { days, quarantined };
}

function parseChartBody(file: ChartFile): JsonValue {
  try {
    return parseLosslessJson(file.body.toString('utf8'));
  } catch (error) {
    throw new Error(`${file.sourceFile}: the landed response is not valid JSON`, { cause: error });
  }
}

/** A `[ms, value]` pair, or why it is not one. */
function pointOf(raw: JsonValue): Point | string {
  if (!Array.isArray(raw)) return 'not a [timestamp, value] pair';
  if (raw.length !== 2) return `expected [timestamp, value], got ${raw.length} element${raw.length === 1 ? '' : 's'}`;
  const [at, value] = raw as [JsonValue, JsonValue];
  if (!(at instanceof JsonNumber) || !/^\d{1,15}$/.test(at.source)) return 'timestamp is not a whole number of milliseconds';
  if (value === null) return 'value is null';
  if (!(value instanceof JsonNumber)) return `value is not a number (${typeof value === 'string' ? 'string' : Array.isArray(value) ? 'array' : typeof value})`;
  return { at: Number(at.source), value: value.source };
}
