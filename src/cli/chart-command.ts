/**
 * `strata chart market-share|top-prices|segments [--partition KEY] [--out file.svg|file.png]`:
 * one chart of the gold data view, drawn by the UI's own chart functions, as SVG on stdout or in
 * a file; `.png` rasterizes the SVG (2x, system fonts) for e-mail and reports.
 */
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { ValidationError } from '../core/errors.js';
import { sixHourlyPartitions } from '../core/partitions.js';
import type { Runtime } from '../runtime.js';
import { GOLD_CHART_NAMES, goldCharts, type GoldChartName } from '../ui/gold-charts.js';

export interface ChartRequest {
  readonly chart: GoldChartName;
  readonly partition: string | undefined;
  readonly out: { readonly path: string; readonly format: 'svg' | 'png' } | undefined;
}

/** Checked before the database opens: bad usage fails fast, naming the argument. */
export function parseChartArgs(args: { positionals: readonly string[]; partition: string | undefined; out: string | undefined }): ChartRequest {
  const [chart, ...extra] = args.positionals;
  if (chart === undefined) throw new ValidationError(`chart needs a chart name: ${GOLD_CHART_NAMES.join(', ')}`);
  if (extra.length > 0) throw new ValidationError(`chart takes one chart name, got: ${args.positionals.join(' ')}`);
  if (!(GOLD_CHART_NAMES as readonly string[]).includes(chart)) {
    throw new ValidationError(`unknown chart '${chart}'; charts: ${GOLD_CHART_NAMES.join(', ')}`);
  }
  if (args.partition !== undefined) {
    try {
      sixHourlyPartitions.parse(args.partition);
    } catch (error) {
      throw new ValidationError(`--partition: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  let out: ChartRequest['out'];
  if (args.out !== undefined) {
    const extension = extname(args.out).toLowerCase();
    if (extension !== '.svg' && extension !== '.png') {
      throw new ValidationError(`--out '${args.out}' must end in .svg or .png (got ${extension === '' ? 'no extension' : `'${extension}'`})`);
    }
    out = { path: args.out, format: extension === '.svg' ? 'svg' : 'png' };
  }
  return { chart: chart as GoldChartName, partition: args.partition, out };
}

/** Exit 1 when the partition has no gold rows for the chart (nothing to draw). */
export async function chartCommand(runtime: Runtime, request: ChartRequest): Promise<number> {
  const { partition, charts } = await goldCharts(runtime, request.partition);
  const svg = charts[request.chart];
  if (svg === null) {
    const where = request.partition === undefined ? 'the gold marts are empty' : `the gold marts have no rows for partition ${request.partition}`;
    process.stderr.write(`strata: no data for chart '${request.chart}': ${where}; materialize 'gold/*' first\n`);
    return 1;
  }
  if (request.out === undefined) {
    process.stdout.write(`${svg}\n`);
    return 0;
  }
  const bytes = request.out.format === 'svg' ? `${svg}\n` : svgToPng(svg);
  await writeFile(request.out.path, bytes);
  process.stderr.write(`strata: wrote chart '${request.chart}' of partition ${partition ?? '?'} to ${request.out.path}\n`);
  return 0;
}

/** Twice the SVG's size, so text stays sharp on high-density screens; white, not transparent, so dark mail clients keep the text readable. */
export function svgToPng(svg: string): Buffer {
  return new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true }, background: '#ffffff' }).render().asPng();
}
