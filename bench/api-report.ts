/**
 * The API bench's tables, printed and written to bench/results/api.md (the latest runs kept,
 * so runs on a noisy machine sit side by side).
 */
import type { LineageResult } from './api-lineage.js';
import type { CaseResult } from './api-requests.js';
import { percentile } from './orchestration-report.js';
import { appendBenchRun } from './results-file.js';

export const API_GOAL_MS = 50;
export const LINEAGE_GOAL_MS = 1000;

const ms = (value: number) => (Number.isNaN(value) ? 'n/a' : value >= 10 ? `${Math.round(value)} ms` : `${value.toFixed(1)} ms`);
const mark = (met: boolean) => (met ? '✅' : '❌');
const kib = (bytes: number) => `${(bytes / 1024).toFixed(bytes < 10240 ? 1 : 0)} KiB`;

export function requestTable(results: readonly CaseResult[], requests: number): string {
  const lines = results.map((result) => {
    if ('failed' in result) return `| ${result.name} | \`${result.example}\` | not timed: ${result.failed.replaceAll('|', '\\|').replaceAll('\n', ' ')} | | | | |`;
    const p95 = percentile(result.samplesMs, 95);
    return `| ${result.name} | \`${shorten(result.example)}\` | ${ms(percentile(result.samplesMs, 50))} | ${ms(p95)} | ${ms(percentile(result.samplesMs, 100))} | ${kib(result.bytes)} | ${mark(p95 < API_GOAL_MS)} |`;
  });
  return [`| request (${requests} each, after warm-up) | example | p50 | p95 | max | body | p95 < ${API_GOAL_MS} ms |`, '|---|---|---:|---:|---:|---:|:---:|', ...lines].join('\n');
}

function shorten(path: string): string {
  return path.length > 90 ? `${path.slice(0, 87)}…` : path;
}

export function lineageTable(result: LineageResult): string {
  if ('skipped' in result) return `Lineage: skipped: ${result.skipped}`;
  const loads = result.loads.map((l) => l.loadMs);
  const paints = result.loads.map((l) => l.firstContentfulPaintMs);
  const fcp = percentile(paints, 50);
  const nodes = [...new Set(result.loads.map((l) => l.nodes))].join(', ');
  return [
    `| lineage, ${result.assets} assets / ${result.edges} edges (${result.loads.length} loads, fresh context each) | median | max | goal < ${LINEAGE_GOAL_MS} ms |`,
    '|---|---:|---:|:---:|',
    `| navigation start → first contentful paint | ${ms(fcp)} | ${ms(percentile(paints, 100))} | ${mark(fcp >= 0 && fcp < LINEAGE_GOAL_MS)} |`,
    `| navigation start → load event end | ${ms(percentile(loads, 50))} | ${ms(percentile(loads, 100))} | ${mark(percentile(loads, 50) < LINEAGE_GOAL_MS)} |`,
    `| server time of GET /lineage (the first, cold, is in max) | ${ms(percentile(result.serverMs, 50))} | ${ms(percentile(result.serverMs, 100))} | |`,
    '',
    `buildApp (which lays the graph out once) took ${ms(result.buildAppMs)}; HTML ${kib(result.htmlBytes)}; \`data-testid="lineage-node"\` elements on the page: ${nodes}.`,
  ].join('\n');
}

const MAX_KEPT_RUNS = 3;

const INTRO = `# API and lineage bench

\`npm run bench -- api [--runs 1000000] [--events 10000000] [--requests 200] [--loads 10] [--keep] [--reuse URL]\`
(issue 4, "Benchmark"). Code: \`bench/api*.ts\`.

- **Data**: a scratch Postgres database, migrated by \`openRuntime\`, seeded by COPY (\`bench/api-seed.ts\`,
  rows generated per run from its index by \`bench/api-seed-plan.ts\`, streamed, never held in memory):
  runs over two years of a busy deployment of the shipped pipeline (daily and six-hourly backfills,
  both schedules, manual runs of an asset or a chain, retries; ~90% SUCCESS, 7% FAILURE, 3% CANCELED,
  a few QUEUED among the newest), their steps, \`run_assets\`, and events (~10 per run; eight runs
  carry 1,500–10,000 log events). Secondary indexes are dropped during the load and rebuilt from the
  migrations' own definitions, then VACUUM ANALYZE.
- **Requests**: \`buildApp\` over \`openRuntime\` on that database, listening on 127.0.0.1:0; each request
  is a keep-alive \`fetch\` timed from send to the last byte of the body, one at a time, after a
  warm-up. The deep page and the typical run page vary per request (the cursor of a run 85–95% of
  the way down the list, i.e. ~900,000 runs in; a random run for the page), so they are not one cached row.
- **Lineage**: a synthetic 500-asset warehouse graph (\`bench/synthetic-asset-graph.ts\`: bronze sources,
  silver staging and intermediate models, gold facts and reports; fan-in 1–6, fan-out up to ~10)
  served by \`buildApp\`; Debian's chromium (playwright-core, headless) opens \`/lineage\` in a fresh
  browser context per load; times come from the page's own Performance API (navigation entry,
  \`first-contentful-paint\`), median of the loads.
- **Machine**: 2 cores, shared and noisy (other sessions run tests at the same time), PostgreSQL 15
  stock settings (shared_buffers 128 MB), Node 20; Postgres, the server, the bench and chromium on one host.

## Findings

Write what the latest run shows here: this head is kept when a run is appended.

Each \`## Run\` section below is one invocation; the latest ${MAX_KEPT_RUNS} are kept.
`;

/** Appends this run (if any) below the file's head, keeping the latest 3. */
export function writeApiResults(path: string, section?: string): Promise<void> {
  return appendBenchRun(path, { intro: INTRO, keep: MAX_KEPT_RUNS, ...(section === undefined ? {} : { section }) });
}
