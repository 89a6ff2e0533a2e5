/**
 * The orchestration bench's table (printed and written to bench/results/orchestration.md):
 * each figure beside its goal and the Dagster complaint from issue 3 that it answers. The
 * markdown file keeps the latest runs' sections, so two runs on a noisy machine sit side by side.
 */
import type { BackfillResult } from './orchestration-backfill.js';
import type { BenchEngine } from './orchestration-runtime.js';
import type { StepOverheadSample } from './orchestration-step-overhead.js';
import type { TickResult } from './orchestration-ticks.js';
import type { QueuedStartResult } from './orchestration-queued-start.js';
import { appendBenchRun } from './results-file.js';

export interface EngineResult {
  readonly engine: BenchEngine;
  readonly startInProcessMs: readonly number[];
  /** Postgres only. */
  readonly startOtherProcessMs: readonly number[] | undefined;
  readonly stepOverhead: readonly StepOverheadSample[];
  readonly backfill: BackfillResult;
  /** The same backfill without group commit (each run's batches in their own transactions). */
  readonly backfillDirect: BackfillResult;
  readonly queuedStart: QueuedStartResult;
  readonly ticks: TickResult;
}

export interface BenchSettings {
  readonly runs: number;
  readonly assets: number;
  readonly partitions: number;
  readonly concurrency: number;
  readonly tickSeconds: number;
  readonly queued: number;
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

const ms = (value: number) => (Number.isNaN(value) ? 'n/a' : `${Number.isInteger(value) || value >= 10 ? Math.round(value) : value.toFixed(2)} ms`);
const rate = (value: number) => `${Math.round(value).toLocaleString('en-US')}/s`;
const p50p95 = (values: readonly number[] | undefined) => (values === undefined ? 'n/a' : `${ms(percentile(values, 50))} / ${ms(percentile(values, 95))}`);
const mark = (met: boolean) => (met ? '✅' : '❌');

interface Row {
  readonly measurement: string;
  readonly goal: string;
  readonly dagster: string;
  cell(result: EngineResult): string;
}

function rows(settings: BenchSettings): Row[] {
  const median = (samples: readonly StepOverheadSample[], pick: (s: StepOverheadSample) => number) => percentile(samples.map(pick), 50);
  return [
    {
      measurement: `request → first step started, worker in the same process, p50 / p95 (${settings.runs} runs)`,
      goal: 'p50 < 50 ms',
      dagster: 'runs take 3–17 s to start',
      cell: (r) => `${p50p95(r.startInProcessMs)} ${mark(percentile(r.startInProcessMs, 50) < 50)}`,
    },
    {
      measurement: `request → first step started, worker in another process (LISTEN/NOTIFY), p50 / p95 (${settings.runs} runs)`,
      goal: 'p50 < 50 ms',
      dagster: 'runs take 3–17 s to start',
      cell: (r) => (r.startOtherProcessMs === undefined ? 'n/a (one process)' : `${p50p95(r.startOtherProcessMs)} ${mark(percentile(r.startOtherProcessMs, 50) < 50)}`),
    },
    {
      measurement: `per-step overhead, ${settings.assets}-asset no-op chain (median of runs; wall incl. claim)`,
      goal: '< 2 ms / step (issue 16)',
      dagster: '(no figure in issue 3)',
      cell: (r) => {
        const perStep = median(r.stepOverhead, (s) => s.perStepMs);
        return `${ms(perStep)} (wall ${ms(median(r.stepOverhead, (s) => s.wallPerStepMs))}) ${mark(perStep < 2)}`;
      },
    },
    {
      measurement: `backfill of ${settings.partitions} six-hourly partitions, events written/s (worker concurrency ${settings.concurrency})`,
      goal: '≥ 5,000/s',
      dagster: '(no figure in issue 3)',
      cell: (r) => `${rate(r.backfill.eventsPerSecond)} (${rate(r.backfill.runsPerSecond)} runs) ${mark(r.backfill.eventsPerSecond >= 5000)}`,
    },
    {
      measurement: `the same backfill without group commit (each run's event batches in their own transactions)`,
      goal: 'comparison',
      dagster: '',
      cell: (r) =>
        `${rate(r.backfillDirect.eventsPerSecond)} (group commit ${(r.backfill.eventsPerSecond / r.backfillDirect.eventsPerSecond).toFixed(2)}×)`,
    },
    {
      measurement: `request → first step of a high-priority run, ${settings.queued} runs queued (worker concurrency ${settings.concurrency}, busy), p50 / p95 (${settings.runs} runs)`,
      goal: 'p95 < 10 ms (issue 16)',
      dagster: '',
      cell: (r) => `${p50p95(r.queuedStart.fullQueueMs)} ${mark(percentile(r.queuedStart.fullQueueMs, 95) < 10)}`,
    },
    {
      measurement: `the same with an empty queue (same worker), p50 / p95`,
      goal: 'comparison',
      dagster: '',
      cell: (r) => p50p95(r.queuedStart.emptyQueueMs),
    },
    {
      measurement: `tick punctuality, due → run queued, p50 / p95 / max (every-second cron, ~${settings.tickSeconds} ticks)`,
      goal: '< 1 s',
      dagster: 'ticks fire minutes late, or twice',
      cell: (r) => {
        const lags = r.ticks.lagsMs;
        return `${ms(percentile(lags, 50))} / ${ms(percentile(lags, 95))} / ${ms(percentile(lags, 100))} ${mark(percentile(lags, 100) < 1000)}`;
      },
    },
  ];
}

export function resultTable(settings: BenchSettings, results: readonly EngineResult[]): string {
  const header = `| measurement | goal | Dagster (issue 3) | ${results.map((r) => r.engine).join(' | ')} |`;
  const divider = `|---|---|---|${results.map(() => '---:').join('|')}|`;
  const lines = rows(settings).map((row) => `| ${row.measurement} | ${row.goal} | ${row.dagster} | ${results.map((r) => row.cell(r)).join(' | ')} |`);
  return [header, divider, ...lines].join('\n');
}

/** Raw figures behind the table, one line per engine and measurement. */
export function details(results: readonly EngineResult[]): string {
  return results
    .flatMap((r) => [
      `${r.engine}: start (same process) min ${ms(percentile(r.startInProcessMs, 0))}, max ${ms(percentile(r.startInProcessMs, 100))}` +
        (r.startOtherProcessMs ? `; start (other process) min ${ms(percentile(r.startOtherProcessMs, 0))}, max ${ms(percentile(r.startOtherProcessMs, 100))}` : ''),
      `${r.engine}: chain runs ${r.stepOverhead.map((s) => `${ms(s.runMs)} (bodies ${ms(s.bodyMs)}) → ${ms(s.perStepMs)}/step`).join(', ')}`,
      `${r.engine}: backfill ${r.backfill.runs} runs queued by createBackfill in ${ms(r.backfill.createMs)}; ${r.backfill.events.toLocaleString('en-US')} events in ${ms(r.backfill.spanMs)}; ${r.backfill.failedRuns} runs not SUCCESS`,
      `${r.engine}: backfill without group commit: ${r.backfillDirect.events.toLocaleString('en-US')} events in ${ms(r.backfillDirect.spanMs)}; ${r.backfillDirect.failedRuns} runs not SUCCESS`,
      `${r.engine}: queued start: queue depth ${r.queuedStart.depthRange[0]}–${r.queuedStart.depthRange[1]} before each timed run; max ${ms(percentile(r.queuedStart.fullQueueMs, 100))} (empty queue max ${ms(percentile(r.queuedStart.emptyQueueMs, 100))}); claim plan: ${r.queuedStart.claimPlan}`,
      `${r.engine}: ticks ${r.ticks.ticks} stored (${r.ticks.lagsMs.length} with a run, ${r.ticks.skipped} skipped, ${r.ticks.failed} failed, ${r.ticks.missing} seconds missing); lags ${r.ticks.lagsMs.map((lag) => Math.round(lag)).join(', ')} ms`,
    ])
    .join('\n');
}

const MAX_KEPT_RUNS = 4;

const INTRO = `# Orchestration bench

\`npm run bench -- orchestration [--engine postgres|pglite|both] [--runs 200] [--assets 100] [--partitions 1000]\`
(issue 3, "Benchmark"). Code: \`bench/orchestration*.ts\`.

How each figure is measured (\`bench/orchestration-*.ts\`, one file per measurement):

- **Runtime**: \`openRuntime\` (database, migrations, resources) on a scratch Postgres database or a
  fresh PGlite data directory in a temp dir, with \`runtime.graph\` replaced by a graph of no-op
  assets (\`openRuntime\` takes no graph, so the bench spreads the Runtime with its own graph).
- **Request → first step started**: \`Date.now()\` just before \`queueRun\` (what POST /api/runs and
  the CLI call) → the \`at\` of that run's \`step:started\` event, one no-op asset, runs one at a time
  (each meets an idle worker; 5 untimed warm-up runs). *Same process*: \`createWorker(runtime)\`
  started in the bench process (on Postgres it is woken by the in-process bus before NOTIFY
  arrives). *Other process*: \`node --import tsx bench/orchestration-worker-process.ts\` runs the same
  \`createWorker\` on the same no-op graph (\`strata worker\` would load the shipped pipeline graph),
  woken only by LISTEN/NOTIFY; the bench hears the run end by NOTIFY and reads \`at\` from strata.events.
- **Per-step overhead**: a chain of N no-op assets run by a worker; (run:succeeded durationMs −
  Σ asset:materialized durationMs) / N; median of 3 runs after a warm-up. "wall" = queueRun → run
  end seen, / N.
- **Backfill**: \`createBackfill\` of N six-hourly partitions of a no-op asset (one run each, 5 events
  per run), then one worker (\`--concurrency\`, default 8) executes them; rows in strata.events of the
  backfill's runs / (last event at − first event at). Queueing is timed apart.
- **Backfill without group commit** (issue 16): the same backfill on fresh partitions, the worker
  given \`directEventWriter\` (each run's event batches in their own transactions) instead of its
  default group commit; the ratio is group / direct from the same run.
- **Request → first step with runs queued** (issue 16): one worker at the backfill's concurrency
  executes no-op runs at priority 0 while the queue is topped up to \`--queued\` before each timed run;
  the timed run has priority 100 and starts at the next free slot. The same timed runs with an empty
  queue (same worker) come first. The claim query's EXPLAIN is printed in the details.
- **Tick punctuality**: \`createScheduler(runtime, { schedules: [every-second six-field cron] }).start()\`
  (node-cron wake-ups) for ~15 s; lag = the tick's run created_at − its due time; no worker.
- **Machine**: 2 cores, shared and noisy (other sessions run tests at the same time), PostgreSQL 15
  stock settings (synchronous_commit on), Node 20; Postgres, PGlite and the bench on one host.

## Findings (from the runs below and a diagnostic with pg_stat_database)

- **Start latency** is ~3–4 ms p50 (p95 6–11 ms) on both engines, and 4 ms p50 with the worker in
  another process woken only by NOTIFY: three orders of magnitude under Dagster's 3–17 s.
- **Ticks** land 4–18 ms after their due time; every second of the window has exactly one tick
  and one run (none skipped, none doubled).
- **Per-step overhead** is ~4–6 ms on Postgres (noisy: 4.1 to 7.1 ms per step across chain runs)
  and ~2.7–3 ms on PGlite. Each step is three event transactions (step:started,
  asset:materialized, step:succeeded; BEGIN + 2–3 statements + COMMIT each): 623 commits for two
  100-step runs. On Postgres each COMMIT waits for a WAL flush (synchronous_commit on).
- **Backfill misses ≥ 5,000 events/s by 3.4–7.2×** (Postgres 830–1,484/s, PGlite ~700/s). A run
  costs ~6.3 commits (5 event transactions + ~1.3 claim transactions: 6,271 commits for 1,000
  runs). Worker concurrency 1 / 4 / 8 / 16 gave 632 / 1,100 / 830–1,484 / 1,013 events/s: the ceiling
  is the database's commit rate on 2 cores, not the worker. PGlite has one connection, so
  concurrency cannot help there. Reaching the goal needs fewer transactions per event (e.g. the
  asset:materialized and step:succeeded events, sent back to back with the same \`at\`, in one).

Each \`## Run\` section below is one invocation; the latest ${MAX_KEPT_RUNS} are kept.
`;

/** Appends this run (if any) below the file's head, keeping the latest 4. */
export function writeResults(path: string, section?: string): Promise<void> {
  return appendBenchRun(path, { intro: INTRO, keep: MAX_KEPT_RUNS, ...(section === undefined ? {} : { section }) });
}
