import { clip, escapeXml, GRID, MUTED, n, STATUS_COLORS, svgRoot, TEXT, type Tone } from './svg.js';

export interface GanttBar {
  readonly label: string;
  /** null: not started (drawn as an empty row). */
  readonly start: Date | null;
  /** null while running: drawn up to `now`. */
  readonly end: Date | null;
  readonly tone: Tone;
  readonly title?: string;
}

export interface GanttOptions {
  readonly title: string;
  /** Where bars without an end stop. */
  readonly now: Date;
  readonly width?: number;
  readonly testId?: string;
  readonly format?: (ms: number) => string;
}

/** One bar per row from start to end on a shared time axis starting at the earliest start. */
export function ganttChart(bars: readonly GanttBar[], options: GanttOptions): string {
  const width = options.width ?? 900;
  const rowHeight = 26;
  const labelWidth = 220;
  const top = 6;
  const axis = 22;
  const right = 70;
  const height = top + Math.max(1, bars.length) * rowHeight + axis;
  const format = options.format ?? ((ms: number) => `${(ms / 1000).toFixed(1)} s`);
  const starts = bars.flatMap((bar) => (bar.start === null ? [] : [bar.start.getTime()]));
  const ends = bars.flatMap((bar) => (bar.start === null ? [] : [(bar.end ?? options.now).getTime()]));
  const parts: string[] = [];
  if (starts.length === 0) {
    parts.push(`<text x="${n(width / 2)}" y="${n(top + rowHeight / 2 + 4)}" font-size="12" fill="${MUTED}" text-anchor="middle">no step has started yet</text>`);
    return svgRoot(width, height, options.title, parts.join(''), options.testId);
  }
  const t0 = Math.min(...starts);
  const t1 = Math.max(...ends, t0 + 1);
  const plotWidth = width - labelWidth - right;
  const x = (t: number) => labelWidth + ((t - t0) / (t1 - t0)) * plotWidth;
  for (const fraction of [0, 0.25, 0.5, 0.75, 1]) {
    const t = t0 + fraction * (t1 - t0);
    parts.push(`<line x1="${n(x(t))}" x2="${n(x(t))}" y1="${top}" y2="${n(height - axis)}" stroke="${GRID}" stroke-width="1"/>`);
    parts.push(`<text x="${n(x(t))}" y="${n(height - 6)}" font-size="10" fill="${MUTED}" text-anchor="middle">+${escapeXml(format(t - t0))}</text>`);
  }
  bars.forEach((bar, index) => {
    const y = top + index * rowHeight;
    const colors = STATUS_COLORS[bar.tone];
    parts.push(`<text x="${labelWidth - 8}" y="${n(y + rowHeight / 2 + 4)}" font-size="12" fill="${TEXT}" text-anchor="end">${escapeXml(clip(bar.label, 30))}</text>`);
    if (bar.start === null) return;
    const start = bar.start.getTime();
    const end = (bar.end ?? options.now).getTime();
    const barWidth = Math.max(2, x(end) - x(start));
    const title = bar.title ?? `${bar.label}: ${format(end - start)}`;
    parts.push(
      `<g><title>${escapeXml(title)}</title><rect x="${n(x(start))}" y="${n(y + 4)}" width="${n(barWidth)}" height="${rowHeight - 8}" rx="3" fill="${colors.solid}" stroke="${colors.stroke}" stroke-width="1"/>` +
        `<text x="${n(x(start) + barWidth + 5)}" y="${n(y + rowHeight / 2 + 4)}" font-size="10" fill="${MUTED}">${escapeXml(format(end - start))}</text></g>`,
    );
  });
  return svgRoot(width, height, options.title, parts.join(''), options.testId);
}
