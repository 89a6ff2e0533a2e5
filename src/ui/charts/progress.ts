import { escapeXml, n, STATUS_COLORS, svgRoot, type Tone } from './svg.js';

export interface ProgressSegment {
  readonly label: string;
  readonly count: number;
  readonly tone: Tone;
}

/** A stacked bar of counts out of `total` (the rest drawn empty), with a tooltip per segment. */
export function progressBar(segments: readonly ProgressSegment[], total: number, options: { title: string; width?: number; testId?: string }): string {
  const width = options.width ?? 220;
  const height = 12;
  const whole = Math.max(total, segments.reduce((sum, s) => sum + s.count, 0), 1);
  let x = 0;
  const parts = [`<rect x="0" y="0" width="${width}" height="${height}" rx="6" fill="${STATUS_COLORS.missing.fill}" stroke="${STATUS_COLORS.missing.solid}" stroke-width="0.5"/>`];
  for (const segment of segments) {
    if (segment.count <= 0) continue;
    const w = (segment.count / whole) * width;
    parts.push(`<rect x="${n(x)}" y="0" width="${n(w)}" height="${height}" fill="${STATUS_COLORS[segment.tone].solid}"><title>${escapeXml(`${segment.label}: ${segment.count} of ${total}`)}</title></rect>`);
    x += w;
  }
  return svgRoot(width, height, options.title, parts.join(''), options.testId);
}
