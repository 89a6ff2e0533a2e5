import { escapeXml, MUTED, n, STATUS_COLORS, svgRoot, type Tone } from './svg.js';

export interface StripCell {
  readonly key: string;
  readonly tone: Tone;
  /** Tooltip; default the key. */
  readonly title?: string;
  /** Wraps the cell in a link (only in pages; files ignore it harmlessly). */
  readonly href?: string;
}

export interface StripOptions {
  readonly title: string;
  readonly cellSize?: number;
  /** Cells per row before wrapping. */
  readonly perRow?: number;
  readonly testId?: string;
}

/** One coloured cell per partition (or any keyed item), in order, wrapping into rows. */
export function statusStrip(cells: readonly StripCell[], options: StripOptions): string {
  const size = options.cellSize ?? 14;
  const gap = 2;
  const perRow = Math.max(1, options.perRow ?? 60);
  const columns = Math.min(perRow, Math.max(1, cells.length));
  const rows = Math.max(1, Math.ceil(cells.length / perRow));
  const width = columns * (size + gap);
  const height = rows * (size + gap);
  if (cells.length === 0) {
    return svgRoot(200, 20, options.title, `<text x="0" y="14" font-size="12" fill="${MUTED}">no partitions</text>`, options.testId);
  }
  const parts = cells.map((cell, index) => {
    const x = (index % perRow) * (size + gap);
    const y = Math.floor(index / perRow) * (size + gap);
    const colors = STATUS_COLORS[cell.tone];
    const rect = `<rect x="${n(x)}" y="${n(y)}" width="${size}" height="${size}" rx="2" fill="${colors.solid}" data-key="${escapeXml(cell.key)}"><title>${escapeXml(cell.title ?? cell.key)}</title></rect>`;
    return cell.href === undefined ? rect : `<a href="${escapeXml(cell.href)}">${rect}</a>`;
  });
  return svgRoot(width, height, options.title, parts.join(''), options.testId);
}
