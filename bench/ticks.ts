/**
 * Tick bench (issue 16): the orchestration bench's every-second schedule, and `--schedules`
 * schedules all due at the same seconds, one after the other on one fresh database, so the two
 * are compared under the same load. Lags: due → run queued, by the scheduler's clock
 * (`schedule:tick` telemetry), and the run's created_at − due.
 *
 *   npm run bench -- ticks [--engine postgres|pglite] [--schedules 1000] [--seconds 15] [--no-write]
 */
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { positiveInteger } from './bench-args.js';
import { manySchedulesPunctuality, tickPunctuality } from './orchestration-ticks.js';
import { type BenchEngine, openBenchRuntime } from './orchestration-runtime.js';
import { appendBenchRun } from './results-file.js';
import { benchAdminUrl } from './scratch-database.js';

const RESULTS_FILE = fileURLToPath(new URL('./results/ticks.md', import.meta.url));
const ASSETS = 100;
const INTRO = `# Tick bench: schedule punctuality

\`npm run bench -- ticks\`: the real scheduler (\`createScheduler(...).start()\`, node-cron wake-ups)
on a fresh database, no worker. First one every-second schedule (the orchestration bench's case),
then N schedules over ${ASSETS} no-op assets, all due every five seconds. "queued" lag = the
scheduler's clock once the tick's run is queued − the due time (its \`schedule:tick\` telemetry);
"created" lag = the run's created_at (its transaction's start) − the due time. Goal (issue 16):
1,000 schedules due at the same second, every tick queued, p99 < 50 ms.`;

function percentiles(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
  return `${at(0.5).toFixed(0)} / ${at(0.95).toFixed(0)} / ${at(0.99).toFixed(0)} / ${at(1).toFixed(0)} ms`;
}

export const ticksBench = {
  summary: 'schedule punctuality: one every-second schedule vs N schedules due at the same second (p50/p95/p99/max)',
  usage: [
    'ticks [--engine postgres|pglite] [--schedules N] [--seconds N] [--no-write]',
    '  --engine     default postgres',
    '  --schedules  schedules due at the same seconds (default 1,000)',
    '  --seconds    seconds each case is observed (default 15)',
    '  --no-write   print only; do not add the run to bench/results/ticks.md',
  ].join('\n'),
  async run(args: string[]): Promise<void> {
    const { values } = parseArgs({ args, options: { engine: { type: 'string' }, schedules: { type: 'string' }, seconds: { type: 'string' }, 'no-write': { type: 'boolean' } } });
    const engine = (values.engine ?? 'postgres') as BenchEngine;
    if (engine !== 'postgres' && engine !== 'pglite') throw new Error(`--engine: expected postgres or pglite, got '${engine}'`);
    const count = positiveInteger('--schedules', values.schedules, 1_000);
    const seconds = positiveInteger('--seconds', values.seconds, 15);
    const load = loadavg()[0]?.toFixed(2) ?? '?';
    const bench = await openBenchRuntime(engine, { chainLength: ASSETS, adminUrl: benchAdminUrl() });
    try {
      console.log(`[${engine}] one every-second schedule, ${seconds} s`);
      const one = await tickPunctuality(bench.runtime, seconds);
      console.log(`[${engine}] ${count} schedules due every 5 s, ${seconds} s`);
      const many = await manySchedulesPunctuality(bench.runtime, count, ASSETS, seconds);
      const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ');
      const section = [
        `## Run ${stamp} UTC (${engine}; load average ${load} at the start)`,
        '',
        '| case | ticks | with a run | missing | created lag p50 / p95 / p99 / max | queued lag p50 / p95 / p99 / max |',
        '|---|---:|---:|---:|---:|---:|',
        `| 1 schedule, every second | ${one.ticks} | ${one.lagsMs.length} | ${one.missing} | ${percentiles(one.lagsMs)} | ${percentiles(one.queuedLagsMs)} |`,
        `| ${count} schedules due together, ${many.rounds} due times | ${many.ticks} | ${many.withRun} | ${many.missing} | ${percentiles(many.createdLagsMs)} | ${percentiles(many.queuedLagsMs)} |`,
      ].join('\n');
      console.log(`\n${section}`);
      if (values['no-write'] !== true) {
        await appendBenchRun(RESULTS_FILE, { intro: INTRO, section, keep: 10 });
        console.log(`\nwritten to ${RESULTS_FILE}`);
      }
    } finally {
      await bench.close();
    }
  },
};
