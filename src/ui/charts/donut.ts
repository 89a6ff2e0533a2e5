import { clip, escapeXml, MUTED, n, seriesColor, svgRoot, TEXT } from './svg.js';

export interface Slice {
  readonly label: string;
  readonly value: number;
  readonly color?: string;
}

export interface DonutOptions {
  readonly title: string;
  /** Shown in the hole, e.g. the total. */
  readonly centerLabel?: string;
  readonly format?: (value: number) => string;
  readonly testId?: string;
}

/** A ring of slices (non-positive values left out) with a legend of label, value and share. */
export function donutChart(slices: readonly Slice[], options: DonutOptions): string {
  const format = options.format ?? ((value: number) => String(value));
  const visible = slices.filter((slice) => slice.value > 0);
  const total = visible.reduce((sum, slice) => sum + slice.value, 0);
  const size = 200;
  const cx = size / 2;
  const cy = size / 2;
  const outer = 90;
  const inner = 56;
  const legendX = size + 16;
  const width = legendX + 260;
  const height = Math.max(size, 16 + visible.length * 20);
  const parts: string[] = [];
  if (total <= 0) {
    parts.push(`<circle cx="${cx}" cy="${cy}" r="${(outer + inner) / 2}" fill="none" stroke="#eaeef2" stroke-width="${outer - inner}"/>`);
    parts.push(`<text x="${cx}" y="${cy + 4}" font-size="12" fill="${MUTED}" text-anchor="middle">no data</text>`);
    return svgRoot(width, height, options.title, parts.join(''), options.testId);
  }
  let angle = -Math.PI / 2;
  visible.forEach((slice, index) => {
    const color = slice.color ?? seriesColor(index);
    const share = slice.value / total;
    const title = `${slice.label}: ${format(slice.value)} (${(share * 100).toFixed(1)}%)`;
    if (share >= 0.9999) {
      parts.push(`<circle cx="${cx}" cy="${cy}" r="${(outer + inner) / 2}" fill="none" stroke="${escapeXml(color)}" stroke-width="${outer - inner}"><title>${escapeXml(title)}</title></circle>`);
    } else {
      const end = angle + share * 2 * Math.PI;
      const large = end - angle > Math.PI ? 1 : 0;
      const p = (r: number, a: number) => `${n(cx + r * Math.cos(a))},${n(cy + r * Math.sin(a))}`;
      const d = `M${p(outer, angle)} A${outer},${outer} 0 ${large} 1 ${p(outer, end)} L${p(inner, end)} A${inner},${inner} 0 ${large} 0 ${p(inner, angle)} Z`;
      parts.push(`<path d="${d}" fill="${escapeXml(color)}" stroke="#fff" stroke-width="1"><title>${escapeXml(title)}</title></path>`);
      angle = end;
    }
    const y = 14 + index * 20;
    parts.push(`<rect x="${legendX}" y="${y - 10}" width="12" height="12" rx="2" fill="${escapeXml(color)}"/>`);
    parts.push(`<text x="${legendX + 18}" y="${y}" font-size="12" fill="${TEXT}">${escapeXml(clip(slice.label, 18))}</text>`);
    parts.push(`<text x="${width - 4}" y="${y}" font-size="11" fill="${MUTED}" text-anchor="end">${escapeXml(`${(share * 100).toFixed(1)}%`)}</text>`);
  });
  if (options.centerLabel !== undefined) {
    parts.push(`<text x="${cx}" y="${cy + 5}" font-size="14" font-weight="600" fill="${TEXT}" text-anchor="middle">${escapeXml(options.centerLabel)}</text>`);
  }
  return svgRoot(width, height, options.title, parts.join(''), options.testId);
}
