/** The catalog bench's tables, printed and appended to bench/results/catalog.md (the latest runs kept). */
import type { BrowserResult } from './catalog-browser.js';
import type { FilterResult, FocusedLayouts, LayoutResult } from './catalog-measure.js';
import { percentile } from './orchestration-report.js';
import { appendBenchRun } from './results-file.js';

export const FILTER_GOAL_MS = 100;
export const PAINT_GOAL_MS = 1000;

const ms = (value: number) => (Number.isNaN(value) ? 'n/a' : value >= 10 ? `${Math.round(value).toLocaleString('en-US')} ms` : `${value.toFixed(1)} ms`);
const mark = (met: boolean) => (met ? '✅' : '❌');
const kib = (bytes: number) => `${(bytes / 1024).toFixed(bytes < 10240 ? 1 : 0)} KiB`;

export function filterTable(engine: string, results: readonly FilterResult[], samples: number): string {
  const p50p95 = (values: readonly number[]) => `${ms(percentile(values, 50))} / ${ms(percentile(values, 95))}`;
  return [
    `| ${engine}: filter (${samples} requests each, after 5 warm-up) | request | matching | after a write: read model p50 / p95 | after a write: whole request p50 / p95 | nothing written since: whole request p50 / p95 | p95 < ${FILTER_GOAL_MS} ms (after a write) |`,
    '|---|---|---:|---:|---:|---:|:---:|',
    ...results.map(
      (result) =>
        `| ${result.name} | \`${result.url}\` | ${result.matching.toLocaleString('en-US')} | ${p50p95(result.afterWriteDbMs)} | ${p50p95(result.afterWriteTotalMs)} | ${p50p95(result.totalMs)} | ${mark(percentile(result.afterWriteTotalMs, 95) < FILTER_GOAL_MS)} |`,
    ),
  ].join('\n');
}

export function layoutTable(full: readonly LayoutResult[], focused: FocusedLayouts): string {
  return [
    '| lineage layout (dagre, on the server) | assets | time | picture |',
    '|---|---:|---:|---:|',
    ...full.map((result) => `| whole graph${result.assets > 500 ? ' (not served: the page summarises it)' : ' (the largest drawn whole, once at start-up)'} | ${result.assets.toLocaleString('en-US')} | ${ms(result.ms)} | ${result.width.toLocaleString('en-US')} × ${result.height.toLocaleString('en-US')} px |`),
    `| focused, depth 2, ${focused.samples} assets spread over the graph: p50 / p95 / max | ${percentile(focused.assets, 50)} / ${percentile(focused.assets, 95)} / ${percentile(focused.assets, 100)} | ${ms(percentile(focused.ms, 50))} / ${ms(percentile(focused.ms, 95))} / ${ms(percentile(focused.ms, 100))} | |`,
  ].join('\n');
}

export function browserTable(engine: string, result: BrowserResult): string {
  if ('skipped' in result) return `Browser (${engine}): skipped: ${result.skipped}`;
  const loads = result.pages[0]?.loads.length ?? 0;
  return [
    `| ${engine}: page in chromium (a first load, then ${loads}; fresh context each) | drawn | HTML | first load: server / painted | then: server p50 | then: first contentful paint p50 | then: painted p50 / max | painted < ${PAINT_GOAL_MS} ms |`,
    '|---|---:|---:|---:|---:|---:|---:|:---:|',
    ...result.pages.map((page) => {
      const painted = page.loads.map((load) => load.paintedMs);
      const worst = Math.max(page.first.paintedMs, percentile(painted, 100));
      return `| ${page.name} \`${page.path}\` | ${page.items.toLocaleString('en-US')} | ${kib(page.first.htmlBytes)} | ${ms(page.first.serverTotalMs)} / ${ms(page.first.paintedMs)} | ${ms(percentile(page.loads.map((load) => load.serverTotalMs), 50))} | ${ms(percentile(page.loads.map((load) => load.firstContentfulPaintMs), 50))} | ${ms(percentile(painted, 50))} / ${ms(percentile(painted, 100))} | ${mark(worst < PAINT_GOAL_MS)} |`;
    }),
  ].join('\n');
}

const INTRO = `# Catalog and lineage bench (5,000 assets)

\`npm run bench -- catalog [--engines postgres,pglite] [--history N] [--samples N] [--loads N] [--no-write]\`
(issue 13, "Bring your own assets"). Code: \`bench/catalog*.ts\`, \`bench/page-paint.ts\`.

- **Graph**: \`bench/synthetic-asset-graph.ts\` at 5,000 assets: 50 bronze roots (a third unpartitioned
  reference data), silver staging and intermediate models, gold facts and reports, fan-in of 1 to 6,
  each in one of 10 groups and owned by its team (a third also by a person).
- **History**: \`--history\` runs of the whole graph at past six-hourly partitions, then
  \`bench/synthetic-asset-states.ts\` (some assets stale, some fresh, some failing): every
  health appears, and each asset has several materializations to look past.
- **Filters**: \`GET /api/v1/assets\` and \`/assets\` through \`app.inject\`, timed by their
  Server-Timing header: \`db\` is the catalog read model (two lean queries for the health of every
  matching asset, two more for the page's summaries), \`total\` the whole request in the server.
  Each sample is a request right after an unrelated write (so the health facts are read again, as
  after any heartbeat) and the same request again (nothing written: the facts are reused). The goal
  is checked on the first.
- **Layout**: dagre on the server, the whole graph (5,000: not served; 500: the largest drawn
  whole) and one asset's neighbourhood (what the focused page lays out, then caches).
- **Browser**: Debian's chromium (playwright-core, headless), a fresh context per load, each page
  loaded once cold (its first request to this server: a focused layout is computed then, later
  loads get it cached) and then \`--loads\` times; *painted* is navigation start → the later of the
  first contentful paint and the second animation frame after the load event (read by an init
  script), with the page's SVG or table on screen.
- Goals: filter p95 < ${FILTER_GOAL_MS} ms in the server; painted < ${PAINT_GOAL_MS} ms.
`;

export async function writeCatalogResults(path: string, section: string): Promise<void> {
  await appendBenchRun(path, { intro: INTRO, section, keep: 3 });
}
