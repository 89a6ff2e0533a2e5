/**
 * Request → first step started. "Request" is the moment `queueRun` is called (what POST
 * /api/runs and the CLI call); "first step started" is the `at` of the run's `step:started`
 * event as written by a running worker. Runs go one at a time (the next is queued when the
 * previous has ended), so every run meets an idle worker, as a manual launch does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { queueRun } from '../src/daemon/execute-run.js';
import { RUN_FINISHED_CHANNEL } from '../src/daemon/queue-signals.js';
import { createWorker } from '../src/daemon/worker.js';
import type { Runtime } from '../src/runtime.js';
import { RunEventTracker } from './orchestration-run-events.js';
import { NOOP_SELECTION } from './orchestration-runtime.js';

/** Untimed runs first: the pool's connections, JIT, Postgres' plan caches. */
const WARM_UP_RUNS = 5;

/** The worker in this process; on Postgres it is woken by the in-process bus before NOTIFY arrives. */
export async function startLatencyInProcess(runtime: Runtime, runs: number): Promise<number[]> {
  const tracker = new RunEventTracker(runtime.events);
  const worker = createWorker(runtime, { concurrency: 1 });
  await worker.start();
  try {
    const timeOne = async (): Promise<number> => {
      const requestedAt = Date.now();
      const run = await queueRun(runtime, { selection: NOOP_SELECTION });
      await expectSuccess(tracker.ended(run.id), run.id);
      return requiredTime(tracker.firstStepAt(run.id), run.id) - requestedAt;
    };
    return await timedRuns(runs, timeOne);
  } finally {
    await worker.stop({ graceMs: 1000 });
    tracker.close();
  }
}

/**
 * The worker in another process (bench/orchestration-worker-process.ts), woken only by
 * LISTEN/NOTIFY; this process queues, hears the run end by NOTIFY and reads the event's `at`
 * from strata.events. Both processes read the same system clock.
 */
export async function startLatencyOtherProcess(runtime: Runtime, databaseUrl: string, runs: number, chainLength: number): Promise<number[]> {
  const child = await spawnWorker(databaseUrl, chainLength);
  const finished = await listenForFinishedRuns(databaseUrl);
  try {
    const timeOne = async (): Promise<number> => {
      const requestedAt = Date.now();
      const run = await queueRun(runtime, { selection: NOOP_SELECTION });
      await finished.ended(run.id);
      return requiredTime(await firstStepAt(runtime, run.id), run.id) - requestedAt;
    };
    return await timedRuns(runs, timeOne);
  } finally {
    await finished.close();
    await stopWorker(child);
  }
}

async function timedRuns(runs: number, timeOne: () => Promise<number>): Promise<number[]> {
  for (let i = 0; i < WARM_UP_RUNS; i++) await timeOne();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await timeOne());
  return samples;
}

async function expectSuccess(ended: Promise<{ type: string }>, runId: string): Promise<void> {
  const event = await ended;
  if (event.type !== 'run:succeeded') throw new Error(`run ${runId} ended ${event.type}`);
}

function requiredTime(at: Date | undefined, runId: string): number {
  if (at === undefined) throw new Error(`run ${runId} ended without a step:started event`);
  return at.getTime();
}

async function firstStepAt(runtime: Runtime, runId: string): Promise<Date | undefined> {
  const row = await runtime.database.db
    .selectFrom('strata.events')
    .select('at')
    .where('run_id', '=', runId)
    .where('type', '=', 'step:started')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return row?.at;
}

interface FinishedRuns {
  ended(runId: string): Promise<void>;
  close(): Promise<void>;
}

/** The runs-table trigger NOTIFYs `strata_run_finished` with the run id when a run ends. */
async function listenForFinishedRuns(databaseUrl: string): Promise<FinishedRuns> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const seen = new Set<string>();
  const waiters = new Map<string, () => void>();
  client.on('notification', (message) => {
    if (message.channel !== RUN_FINISHED_CHANNEL || !message.payload) return;
    seen.add(message.payload);
    waiters.get(message.payload)?.();
  });
  await client.query(`LISTEN ${RUN_FINISHED_CHANNEL}`);
  return {
    ended: (runId) => (seen.has(runId) ? Promise.resolve() : new Promise((resolve) => waiters.set(runId, resolve))),
    close: () => client.end(),
  };
}

async function spawnWorker(databaseUrl: string, chainLength: number): Promise<ChildProcess> {
  const script = fileURLToPath(new URL('./orchestration-worker-process.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, DATABASE_URL: databaseUrl, BENCH_CHAIN_LENGTH: String(chainLength) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code} before it was ready`)));
  });
  await ready;
  return child;
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}
