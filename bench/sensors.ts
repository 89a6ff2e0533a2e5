/**
 * Sensors (issue 14), on Postgres and/or PGlite, each on a fresh database:
 *
 * - **evaluation overhead**: one sensor attempt end to end (claim UPDATE … RETURNING, the
 *   sensor's code, which does nothing, then the one commit transaction), for a sensor that
 *   skips and for one that requests a run with a run key (a new key each time). The clock is a
 *   ManualClock moved one interval per attempt, so every attempt is due.
 * - **run end → handled**: a run-status sensor (interval 30 s, so only the wake-up counts) in
 *   a started sensor loop; each run is ended through the event log (Postgres: NOTIFY reaches
 *   the loop's LISTEN connection; PGlite: the in-process run event bus, as the worker there
 *   publishes it), timed from before that write to the handler call and to the committed
 *   evaluation row (polled every 2 ms). One run at a time.
 *
 *   npm run bench -- sensors [--engine postgres|pglite|both] [--evaluations 500] [--runs 100] [--no-write]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { ManualClock } from '../src/core/manual-clock.js';
import { defineRunStatusSensor } from '../src/core/run-status-sensor.js';
import { defineSensor } from '../src/core/sensor.js';
import { evaluateSensor } from '../src/daemon/sensors/evaluate-sensor.js';
import { leaseFor } from '../src/daemon/sensors/sensor-attempt.js';
import { createSensorDaemon } from '../src/daemon/sensors/sensor-daemon.js';
import { createRun, recordEvent, setRunStatus } from '../src/storage/index.js';
import { ensureSensorStates } from '../src/storage/sensor-state.js';
import type { Runtime } from '../src/runtime.js';
import { positiveInteger } from './bench-args.js';
import { NOOP_SELECTION, openBenchRuntime, type BenchEngine } from './orchestration-runtime.js';
import { percentile } from './orchestration-report.js';
import { appendBenchRun } from './results-file.js';
import { benchAdminUrl } from './scratch-database.js';

const RESULTS_FILE = fileURLToPath(new URL('./results/sensors.md', import.meta.url));
const INTRO = `# Sensors bench

\`npm run bench -- sensors\` (issue 14). Code: \`bench/sensors.ts\`.

- **evaluation overhead**: one attempt at a sensor whose code does nothing: claim (one
  \`UPDATE … WHERE due AND unclaimed RETURNING\`) + the one commit transaction (compare-and-set
  of the cursor, the evaluation row, and for "request" a run created with its run key).
- **run end → handled**: a run-status sensor woken by the run's end (Postgres: NOTIFY to the
  loop's LISTEN connection; PGlite: the in-process run event bus); from before the write that
  ends the run to the handler call, and to the committed evaluation row (polled every 2 ms).
- **Machine**: 2 shared, noisy cores; Node 20; Postgres 15 local; PGlite in process.`;

interface EngineResult {
  readonly engine: BenchEngine;
  readonly skipMs: number[];
  readonly requestMs: number[];
  readonly handlerMs: number[];
  readonly committedMs: number[];
}

export const sensorsBench = {
  summary: 'sensors: evaluation overhead (claim + commit) and run end → run-status sensor handled latency (Postgres and PGlite)',
  usage: [
    'sensors [--engine postgres|pglite|both] [--evaluations N] [--runs N] [--no-write]',
    '  --engine       default both',
    '  --evaluations  attempts timed per sensor kind (default 500)',
    '  --runs         runs ended one at a time for the latency (default 100)',
    '  --no-write     print only',
  ].join('\n'),
  async run(args: string[]): Promise<void> {
    const { values } = parseArgs({ args, options: { engine: { type: 'string' }, evaluations: { type: 'string' }, runs: { type: 'string' }, 'no-write': { type: 'boolean' } } });
    const engines: BenchEngine[] = values.engine === undefined || values.engine === 'both' ? ['postgres', 'pglite'] : [engineOf(values.engine)];
    const evaluations = positiveInteger('--evaluations', values.evaluations, 500);
    const runs = positiveInteger('--runs', values.runs, 100);
    const results: EngineResult[] = [];
    for (const engine of engines) {
      const bench = await openBenchRuntime(engine, { chainLength: 1, adminUrl: benchAdminUrl() });
      try {
        const overhead = await evaluationOverhead(bench.runtime, evaluations);
        const latency = await runEndLatency(bench.runtime, engine, runs);
        results.push({ engine, ...overhead, ...latency });
      } finally {
        await bench.close();
      }
    }
    const table = report(results, evaluations, runs);
    process.stdout.write(`${table}\n`);
    if (values['no-write'] !== true) {
      await appendBenchRun(RESULTS_FILE, { intro: INTRO, section: `## Run ${new Date().toISOString()}\n\n${table}`, keep: 5 });
    }
  },
};

function engineOf(value: string): BenchEngine {
  if (value === 'postgres' || value === 'pglite') return value;
  throw new Error(`--engine: expected postgres, pglite or both, got '${value}'`);
}

async function evaluationOverhead(runtime: Runtime, count: number): Promise<{ skipMs: number[]; requestMs: number[] }> {
  const clock = new ManualClock(new Date('2026-11-23T06:00:00.000Z'));
  let n = 0;
  const skip = defineSensor({ name: 'bench_skip', minimumIntervalSeconds: 1, evaluate: () => ({ skipReason: 'nothing new' }) });
  const request = defineSensor({
    name: 'bench_request',
    minimumIntervalSeconds: 1,
    evaluate: () => ({ runRequests: [{ selection: NOOP_SELECTION, runKey: `k-${(n += 1)}` }], cursor: String(n) }),
  });
  await ensureSensorStates(runtime.database.db, [{ name: skip.name }, { name: request.name }], clock.now());
  const options = { daemonId: 'bench', clock, timeoutMs: 60_000, leaseMs: leaseFor(60_000), heartbeatTimeoutMs: 30_000, signal: new AbortController().signal };
  const time = async (sensor: typeof skip, samples: number[]): Promise<void> => {
    const started = performance.now();
    const attempt = await evaluateSensor(runtime, sensor, options);
    if (attempt.status !== 'committed') throw new Error(`bench: attempt at ${sensor.name} was ${attempt.status}`);
    samples.push(performance.now() - started);
  };
  const skipMs: number[] = [];
  const requestMs: number[] = [];
  // Warm-up: connections, prepared plans, JIT.
  for (let i = 0; i < 20; i++) {
    await time(skip, []);
    await time(request, []);
    clock.advance(1_000);
  }
  for (let i = 0; i < count; i++) {
    await time(skip, skipMs);
    await time(request, requestMs);
    clock.advance(1_000);
  }
  return { skipMs, requestMs };
}

async function runEndLatency(runtime: Runtime, engine: BenchEngine, count: number): Promise<{ handlerMs: number[]; committedMs: number[] }> {
  let onHandled: ((at: number) => void) | undefined;
  const sensor = defineRunStatusSensor({
    name: 'bench_on_failure',
    on: ['failure'],
    minimumIntervalSeconds: 30,
    handle: () => {
      onHandled?.(performance.now());
      return undefined;
    },
  });
  const daemon = createSensorDaemon(runtime, { sensors: [sensor], daemonId: 'bench-daemon', onLoopResult: async () => {} });
  await daemon.start();
  const { db } = runtime.database;
  const handlerMs: number[] = [];
  const committedMs: number[] = [];
  try {
    // The loop's first look creates the sensor's state: runs ending from then on are watched.
    while ((await sql<{ n: number }>`SELECT count(*)::int AS n FROM strata.sensor_state WHERE name = ${sensor.name} AND last_evaluated_at IS NOT NULL`.execute(db)).rows[0]?.n !== 1) {
      await sleep(10);
    }
    for (let i = 0; i < count + 5; i++) {
      const run = await createRun(db, { selection: NOOP_SELECTION, trigger: 'manual', assetKeys: [NOOP_SELECTION] });
      await setRunStatus(db, run.id, 'STARTING', { workerId: 'bench', at: new Date() });
      await recordEvent(db, { type: 'run:started', runId: run.id, at: new Date() });
      const handled = new Promise<number>((resolve) => (onHandled = resolve));
      const started = performance.now();
      const event = { type: 'run:failed' as const, runId: run.id, at: new Date(), durationMs: 1, message: 'bench failure' };
      await recordEvent(db, event);
      // On PGlite the only path is the in-process bus, which the worker there publishes to.
      if (engine === 'pglite') runtime.events.publish(event);
      const handlerAt = await handled;
      while ((await sql<{ n: number }>`SELECT count(*)::int AS n FROM strata.sensor_evaluations WHERE ended_run_id = ${run.id}`.execute(db)).rows[0]?.n !== 1) await sleep(2);
      const committedAt = performance.now();
      // The first few include LISTEN warming up.
      if (i < 5) continue;
      handlerMs.push(handlerAt - started);
      committedMs.push(committedAt - started);
    }
  } finally {
    await daemon.stop();
  }
  return { handlerMs, committedMs };
}

function report(results: readonly EngineResult[], evaluations: number, runs: number): string {
  const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
  const row = (what: string, engine: string, samples: readonly number[]) =>
    `| ${what} | ${engine} | ${samples.length} | ${ms(percentile(samples, 50))} | ${ms(percentile(samples, 95))} | ${ms(percentile(samples, 100))} |`;
  return [
    `| measure | engine | samples | p50 | p95 | max |`,
    `|---|---|---:|---:|---:|---:|`,
    ...results.flatMap((result) => [
      row(`evaluation, skip (claim + commit; ${evaluations})`, result.engine, result.skipMs),
      row('evaluation, request one run (claim + commit + run)', result.engine, result.requestMs),
      row(`run end → handler called (${runs} runs)`, result.engine, result.handlerMs),
      row('run end → evaluation committed', result.engine, result.committedMs),
    ]),
  ].join('\n');
}
