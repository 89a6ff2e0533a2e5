/**
 * Parallel steps (issue 16): a run of N independent slow steps (each awaits a fixed delay from
 * an injected resource, as a network fetch would) at `strata/max_concurrent_steps` 1 and 4,
 * and the per-step overhead of the 100-asset no-op chain at both limits, in one run on one
 * fresh database with a worker in this process. Rounds alternate the limits, so load drift on
 * a shared machine hits both alike.
 *
 *   npm run bench -- parallel-steps [--engine postgres|pglite] [--steps 8] [--delay-ms 200] [--rounds 3] [--assets 100]
 */
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defineAsset, type AnyAsset } from '../src/core/asset.js';
import { buildGraph } from '../src/core/graph.js';
import type { Resources } from '../src/core/types.js';
import { queueRun } from '../src/daemon/execute-run.js';
import { MAX_CONCURRENT_STEPS_TAG } from '../src/daemon/step-concurrency.js';
import { createWorker } from '../src/daemon/worker.js';
import type { Runtime } from '../src/runtime.js';
import { positiveInteger } from './bench-args.js';
import { RunEventTracker } from './orchestration-run-events.js';
import { type BenchEngine, CHAIN_SELECTION, benchGraph, openBenchRuntime } from './orchestration-runtime.js';
import { appendBenchRun } from './results-file.js';
import { benchAdminUrl } from './scratch-database.js';

const RESULTS_FILE = fileURLToPath(new URL('./results/parallel-steps.md', import.meta.url));
const SLOW_SELECTION = 'silver/slow_*';
const LIMITS = [1, 4] as const;

interface Settings {
  readonly engine: BenchEngine;
  readonly steps: number;
  readonly delayMs: number;
  readonly rounds: number;
  readonly assets: number;
}

/** The injected slow resource: what a fetch of fixed latency looks like to the executor. */
interface BenchDelay {
  readonly benchDelay: (ms: number) => Promise<void>;
}

function slowAssets(count: number, delayMs: number): AnyAsset[] {
  return Array.from({ length: count }, (_, i) =>
    defineAsset({
      key: `silver/slow_${String(i).padStart(2, '0')}`,
      layer: 'silver',
      description: 'awaits a fixed delay (bench)',
      materialize: async (ctx) => {
        await (ctx.resources as unknown as BenchDelay).benchDelay(delayMs);
        return { value: 0 };
      },
    }),
  );
}

export const parallelStepsBench = {
  summary: 'parallel steps: N independent slow steps at 1 vs 4 steps at once (wall), and the 100-asset chain per-step overhead at both',
  usage: [
    'parallel-steps [--engine postgres|pglite] [--steps N] [--delay-ms N] [--rounds N] [--assets N]',
    '  --engine    default postgres',
    '  --steps     independent slow steps in the run (default 8)',
    '  --delay-ms  each slow step awaits this long (default 200)',
    '  --rounds    timed runs per limit, after one warm-up each (default 3)',
    '  --assets    length of the no-op chain (default 100)',
  ].join('\n'),
  async run(args: string[]): Promise<void> {
    const { values } = parseArgs({
      args,
      options: { engine: { type: 'string' }, steps: { type: 'string' }, 'delay-ms': { type: 'string' }, rounds: { type: 'string' }, assets: { type: 'string' } },
    });
    const engine = values.engine ?? 'postgres';
    if (engine !== 'postgres' && engine !== 'pglite') throw new Error(`--engine: expected postgres or pglite, got '${engine}'`);
    const settings: Settings = {
      engine,
      steps: positiveInteger('--steps', values.steps, 8),
      delayMs: positiveInteger('--delay-ms', values['delay-ms'], 200),
      rounds: positiveInteger('--rounds', values.rounds, 3),
      assets: positiveInteger('--assets', values.assets, 100),
    };
    const section = await measure(settings);
    console.log(`\n${section}`);
    await appendBenchRun(RESULTS_FILE, { intro: INTRO, section, keep: 10 });
    console.log(`\nwritten to ${RESULTS_FILE}`);
  },
};

const INTRO = `# Parallel steps within a run

\`npm run bench -- parallel-steps\`: a run of N independent steps that each await a fixed delay
(an injected resource standing in for a network fetch), at \`strata/max_concurrent_steps\` 1
and 4; and the per-step overhead of a chain of no-op assets (a chain cannot run in parallel, so
this is the scheduler's own cost) at both limits. One worker in the bench process, one fresh
database; rounds alternate the limits. Medians.`;

async function measure(settings: Settings): Promise<string> {
  const bench = await openBenchRuntime(settings.engine, { chainLength: settings.assets, adminUrl: benchAdminUrl() });
  const chainGraph = benchGraph(settings.assets);
  const delay: BenchDelay = { benchDelay: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };
  const runtime: Runtime = {
    ...bench.runtime,
    graph: buildGraph([...chainGraph.assets.values(), ...slowAssets(settings.steps, settings.delayMs)]),
    resources: { ...bench.runtime.resources, ...delay } as Resources,
  };
  const tracker = new RunEventTracker(runtime.events);
  const worker = createWorker(runtime, { concurrency: 1 });
  await worker.start();
  const load = loadavg().map((value) => value.toFixed(2)).join(' ');
  try {
    const runOnce = async (selection: string, limit: number) => {
      const requestedAt = performance.now();
      const run = await queueRun(runtime, { selection, tags: { [MAX_CONCURRENT_STEPS_TAG]: String(limit) } });
      const end = await tracker.ended(run.id);
      if (end.type !== 'run:succeeded') throw new Error(`run ${run.id} ended ${end.type}`);
      return { wallMs: performance.now() - requestedAt, runMs: end.durationMs, bodyMs: tracker.bodyMs(run.id) };
    };
    const slow = new Map<number, number[]>(LIMITS.map((limit) => [limit, []]));
    const chain = new Map<number, number[]>(LIMITS.map((limit) => [limit, []]));
    for (const limit of LIMITS) {
      await runOnce(SLOW_SELECTION, limit); // warm-up, not counted
      await runOnce(CHAIN_SELECTION, limit);
    }
    for (let round = 0; round < settings.rounds; round++) {
      for (const limit of LIMITS) {
        slow.get(limit)!.push((await runOnce(SLOW_SELECTION, limit)).wallMs);
        const sample = await runOnce(CHAIN_SELECTION, limit);
        chain.get(limit)!.push((sample.runMs - sample.bodyMs) / settings.assets);
      }
    }
    const [one, four] = [median(slow.get(1)!), median(slow.get(4)!)];
    const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ');
    return [
      `## Run ${stamp} UTC`,
      '',
      `${settings.engine}; ${settings.steps} slow steps of ${settings.delayMs} ms; chain of ${settings.assets}; ${settings.rounds} rounds; load average ${load} at start`,
      '',
      '| limit (steps at once) | slow run wall, median | ideal | chain per-step overhead, median |',
      '|---|---|---|---|',
      ...LIMITS.map(
        (limit) =>
          `| ${limit} | ${median(slow.get(limit)!).toFixed(0)} ms | ${(Math.ceil(settings.steps / limit) * settings.delayMs).toFixed(0)} ms | ${median(chain.get(limit)!).toFixed(2)} ms |`,
      ),
      '',
      `Speed-up of the slow run, limit 4 over limit 1: ${(one / four).toFixed(2)}×. Chain per-step overhead, limit 4 / limit 1: ${(median(chain.get(4)!) / median(chain.get(1)!)).toFixed(2)}.`,
      '',
      '```',
      `slow run wall (ms): ${LIMITS.map((limit) => `limit ${limit}: ${slow.get(limit)!.map((ms) => ms.toFixed(0)).join(', ')}`).join('; ')}`,
      `chain per-step (ms): ${LIMITS.map((limit) => `limit ${limit}: ${chain.get(limit)!.map((ms) => ms.toFixed(2)).join(', ')}`).join('; ')}`,
      '```',
    ].join('\n');
  } finally {
    await worker.stop({ graceMs: 1000 });
    tracker.close();
    await bench.close();
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
