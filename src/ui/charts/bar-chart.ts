import { clip, escapeXml, GRID, MUTED, n, niceTicks, seriesColor, svgRoot, TEXT } from './svg.js';

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Default: the first series colour. */
  readonly color?: string;
  /** Tooltip; default `label: value`. */
  readonly title?: string;
}

export interface BarChartOptions {
  readonly title: string;
  readonly width?: number;
  /** Height of one bar row. */
  readonly rowHeight?: number;
  readonly format?: (value: number) => string;
  readonly testId?: string;
}

/**
 * Horizontal bars, one row per item, labels left and values right of each bar; negative values
 * extend left of a zero line.
 *
 * ```ts
 * barChart([{ label: 'Bitcoin', value: 1.9e12 }], { title: 'Market cap', format: formatCompactUsd });
 * ```
 */
export function barChart(bars: readonly Bar[], options: BarChartOptions): string {
  const width = options.width ?? 640;
  const rowHeight = options.rowHeight ?? 24;
  const format = options.format ?? ((value: number) => String(value));
  const labelWidth = 150;
  const valueWidth = 90;
  const top = 8;
  const axis = 20;
  const height = top + Math.max(1, bars.length) * rowHeight + axis;
  const plotLeft = labelWidth;
  const plotWidth = width - labelWidth - valueWidth;
  const min = Math.min(0, ...bars.map((bar) => bar.value));
  const max = Math.max(0, ...bars.map((bar) => bar.value));
  const span = max - min || 1;
  const x = (value: number) => plotLeft + ((value - min) / span) * plotWidth;
  const parts: string[] = [];
  for (const tick of niceTicks(min, max, 4)) {
    parts.push(`<line x1="${n(x(tick))}" x2="${n(x(tick))}" y1="${top}" y2="${n(height - axis)}" stroke="${GRID}" stroke-width="1"/>`);
    parts.push(`<text x="${n(x(tick))}" y="${n(height - 6)}" font-size="10" fill="${MUTED}" text-anchor="middle">${escapeXml(format(tick))}</text>`);
  }
  bars.forEach((bar, index) => {
    const y = top + index * rowHeight;
    const x0 = x(Math.min(0, bar.value));
    const barWidth = Math.max(1, Math.abs(x(bar.value) - x(0)));
    const title = bar.title ?? `${bar.label}: ${format(bar.value)}`;
    parts.push(
      `<g><title>${escapeXml(title)}</title>` +
        `<text x="${labelWidth - 8}" y="${n(y + rowHeight / 2 + 4)}" font-size="12" fill="${TEXT}" text-anchor="end">${escapeXml(clip(bar.label, 22))}</text>` +
        `<rect x="${n(x0)}" y="${n(y + 3)}" width="${n(barWidth)}" height="${n(rowHeight - 6)}" rx="3" fill="${escapeXml(bar.color ?? seriesColor(0))}"/>` +
        `<text x="${n(Math.max(x(bar.value), x(0)) + 6)}" y="${n(y + rowHeight / 2 + 4)}" font-size="11" fill="${MUTED}">${escapeXml(format(bar.value))}</text></g>`,
    );
  });
  if (bars.length === 0) parts.push(`<text x="${n(width / 2)}" y="${n(top + rowHeight / 2 + 4)}" font-size="12" fill="${MUTED}" text-anchor="middle">no data</text>`);
  return svgRoot(width, height, options.title, parts.join(''), options.testId);
}
