import { escapeXml, GRID, MUTED, n, niceTicks, seriesColor, svgRoot, TEXT } from './svg.js';

export interface LinePoint {
  readonly at: Date;
  readonly value: number;
  /** Tooltip; default the time and value. */
  readonly title?: string;
}

export interface LineSeries {
  readonly name: string;
  readonly points: readonly LinePoint[];
  readonly color?: string;
}

export interface LineChartOptions {
  readonly title: string;
  readonly width?: number;
  readonly height?: number;
  readonly format?: (value: number) => string;
  readonly testId?: string;
}

function shortDate(at: Date): string {
  return at.toISOString().slice(5, 16).replace('T', ' ');
}

/**
 * Values over time: one polyline per series with a dot per point (tooltips), a y axis from 0
 * and the first and last times on the x axis. One point draws a dot.
 */
export function lineChart(series: readonly LineSeries[], options: LineChartOptions): string {
  const width = options.width ?? 560;
  const height = options.height ?? 200;
  const format = options.format ?? ((value: number) => String(value));
  const left = 64;
  const right = 16;
  const top = series.length > 1 ? 24 : 12;
  const bottom = 26;
  const points = series.flatMap((s) => s.points);
  const parts: string[] = [];
  if (points.length === 0) {
    parts.push(`<text x="${n(width / 2)}" y="${n(height / 2)}" font-size="12" fill="${MUTED}" text-anchor="middle">no data yet</text>`);
    return svgRoot(width, height, options.title, parts.join(''), options.testId);
  }
  const times = points.map((p) => p.at.getTime());
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const max = Math.max(...points.map((p) => p.value), 0);
  const min = Math.min(...points.map((p) => p.value), 0);
  const ticks = niceTicks(min, max === min ? min + 1 : max, 4);
  const yMax = Math.max(max, ...ticks);
  const yMin = Math.min(min, ...ticks);
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const x = (t: number) => (t1 === t0 ? left + plotWidth / 2 : left + ((t - t0) / (t1 - t0)) * plotWidth);
  const y = (v: number) => top + plotHeight - ((v - yMin) / (yMax - yMin || 1)) * plotHeight;
  for (const tick of ticks) {
    parts.push(`<line x1="${left}" x2="${n(width - right)}" y1="${n(y(tick))}" y2="${n(y(tick))}" stroke="${GRID}" stroke-width="1"/>`);
    parts.push(`<text x="${left - 6}" y="${n(y(tick) + 4)}" font-size="10" fill="${MUTED}" text-anchor="end">${escapeXml(format(tick))}</text>`);
  }
  parts.push(`<text x="${left}" y="${n(height - 8)}" font-size="10" fill="${MUTED}">${escapeXml(shortDate(new Date(t0)))}</text>`);
  if (t1 !== t0) parts.push(`<text x="${n(width - right)}" y="${n(height - 8)}" font-size="10" fill="${MUTED}" text-anchor="end">${escapeXml(shortDate(new Date(t1)))}</text>`);
  series.forEach((s, index) => {
    const color = s.color ?? seriesColor(index);
    const sorted = [...s.points].sort((a, b) => a.at.getTime() - b.at.getTime());
    if (sorted.length > 1) {
      const path = sorted.map((p, i) => `${i === 0 ? 'M' : 'L'}${n(x(p.at.getTime()))},${n(y(p.value))}`).join(' ');
      parts.push(`<path d="${path}" fill="none" stroke="${escapeXml(color)}" stroke-width="2"/>`);
    }
    for (const p of sorted) {
      const title = p.title ?? `${s.name} ${shortDate(p.at)}: ${format(p.value)}`;
      parts.push(`<circle cx="${n(x(p.at.getTime()))}" cy="${n(y(p.value))}" r="3.5" fill="${escapeXml(color)}"><title>${escapeXml(title)}</title></circle>`);
    }
    if (series.length > 1) {
      parts.push(`<rect x="${left + index * 120}" y="6" width="10" height="10" rx="2" fill="${escapeXml(color)}"/>`);
      parts.push(`<text x="${left + index * 120 + 14}" y="15" font-size="11" fill="${TEXT}">${escapeXml(s.name)}</text>`);
    }
  });
  return svgRoot(width, height, options.title, parts.join(''), options.testId);
}
