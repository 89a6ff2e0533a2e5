/**
 * Shared by the chart functions: XML escaping, the palette, tick values. Charts are strings of
 * standalone SVG (colours as presentation attributes, no CSS, no DOM), so the same functions
 * draw the UI's charts and SVG files written to disk.
 */
const XML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => XML_ESCAPES[char] ?? char);
}

/** Status colours (stroke, fill) shared with the stylesheet. */
export const STATUS_COLORS = Object.freeze({
  success: { stroke: '#1a7f37', fill: '#dafbe1', solid: '#2da44e' },
  failure: { stroke: '#cf222e', fill: '#ffebe9', solid: '#cf222e' },
  running: { stroke: '#0969da', fill: '#ddf4ff', solid: '#218bff' },
  queued: { stroke: '#9a6700', fill: '#fff8c5', solid: '#d4a72c' },
  muted: { stroke: '#8c959f', fill: '#eaeef2', solid: '#afb8c1' },
  missing: { stroke: '#8c959f', fill: '#f6f8fa', solid: '#d0d7de' },
});

export type Tone = keyof typeof STATUS_COLORS;

export const LAYER_COLORS: Readonly<Record<string, string>> = Object.freeze({ bronze: '#b0703c', silver: '#8c959f', gold: '#d4a72c' });

/** Distinct colours for categories (series, slices), in order. */
export const SERIES_COLORS: readonly string[] = ['#0969da', '#d4a72c', '#1a7f37', '#8250df', '#cf222e', '#1b7c83', '#bc4c00', '#6e7781', '#bf3989', '#4d2d00'];

export function seriesColor(index: number): string {
  return SERIES_COLORS[index % SERIES_COLORS.length] as string;
}

export const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"';
export const TEXT = '#1f2328';
export const MUTED = '#59636e';
export const GRID = '#d1d9e0';

/** Rounded to 2 decimals: smaller SVG, same picture. */
export function n(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** About `count` round tick values from 0 (or min) to max: 0, 250, 500, … */
export function niceTicks(min: number, max: number, count = 4): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= raw) ?? raw;
  const ticks: number[] = [];
  for (let value = Math.ceil(min / step) * step; value <= max + step * 1e-9; value += step) ticks.push(Math.round(value / step) * step);
  // One more tick above the largest value, so the top of the data sits under a labelled line.
  const last = ticks.at(-1);
  if (last !== undefined && last < max) ticks.push(Math.round((last + step) / step) * step);
  return ticks;
}

/** An `<svg>` root with a viewBox, scaling to its container; `title` is its accessible name. */
export function svgRoot(width: number, height: number, title: string, content: string, testId?: string): string {
  const test = testId === undefined ? '' : ` data-testid="${escapeXml(testId)}"`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${n(width)} ${n(height)}" width="${n(width)}" height="${n(height)}" role="img" aria-label="${escapeXml(title)}"${test} ${FONT}>` +
    `<title>${escapeXml(title)}</title>${content}</svg>`
  );
}

/** Text cut to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}
