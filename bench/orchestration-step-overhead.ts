/**
 * Per-step overhead: a run of a chain of no-op assets executed by a worker; overhead per step =
 * (the run's own duration − the time in asset bodies) / steps. The run's duration is its
 * `run:succeeded` durationMs (executor start to end: every step's three recorded events, the
 * run:started event); the bodies' time is the sum of `asset:materialized` durationMs (≈ 0).
 * Wall per step (queueRun → run end seen, claim and the last event included) is shown too.
 */
import { queueRun } from '../src/daemon/execute-run.js';
import { createWorker } from '../src/daemon/worker.js';
import type { Runtime } from '../src/runtime.js';
import { RunEventTracker } from './orchestration-run-events.js';
import { CHAIN_SELECTION } from './orchestration-runtime.js';

export interface StepOverheadSample {
  readonly steps: number;
  readonly runMs: number;
  readonly bodyMs: number;
  readonly perStepMs: number;
  readonly wallPerStepMs: number;
}

export async function stepOverhead(runtime: Runtime, steps: number, repeats: number): Promise<StepOverheadSample[]> {
  const tracker = new RunEventTracker(runtime.events);
  const worker = createWorker(runtime, { concurrency: 1 });
  await worker.start();
  try {
    const runOnce = async (): Promise<StepOverheadSample> => {
      const requestedAt = performance.now();
      const run = await queueRun(runtime, { selection: CHAIN_SELECTION });
      const end = await tracker.ended(run.id);
      const wallMs = performance.now() - requestedAt;
      if (end.type !== 'run:succeeded') throw new Error(`chain run ${run.id} ended ${end.type}`);
      const bodyMs = tracker.bodyMs(run.id);
      return { steps, runMs: end.durationMs, bodyMs, perStepMs: (end.durationMs - bodyMs) / steps, wallPerStepMs: wallMs / steps };
    };
    await runOnce(); // warm-up, not counted
    const samples: StepOverheadSample[] = [];
    for (let i = 0; i < repeats; i++) samples.push(await runOnce());
    return samples;
  } finally {
    await worker.stop({ graceMs: 1000 });
    tracker.close();
  }
}
