/**
 * A worker claims queued runs (up to its concurrency, within the global limit) and
 * executes each with its own AbortController. It wakes on NOTIFY / the in-process bus when a run
 * is queued or a slot frees, and polls as the fallback. Its row in `strata.processes` is
 * heartbeated; each run is heartbeated and watched for cancel by executeStoredRun.
 *
 * stop() is the graceful SIGTERM path: stop claiming; no run starts another step; steps in
 * flight may finish within the grace period; then the rest are aborted. Every run that could
 * not finish ends FAILURE ("interrupted: ...") and, per its run retries, a retry that resumes from
 * failure is queued, so nothing is left STARTED and another worker (or this one, restarted) picks it up.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../core/types.js';
import type { Runtime } from '../runtime.js';
import {
  type EventWriter,
  type ProcessKind,
  type Run,
  availabilityOf,
  claimRuns,
  groupCommitEventWriter,
  heartbeatProcess,
  markProcessStopped,
  registerProcess,
} from '../storage/index.js';
import { type BackgroundLoop, loopReporter, startBackgroundLoop } from './background-loop.js';
import { releaseDeferredRuns } from './backfill-release.js';
import { executeStoredRun } from './execute-run.js';
import { listenForQueueSignals, onQueueChanged, type QueueListener } from './queue-signals.js';
import { RunInterruptedError } from './run-errors.js';
import { heartbeatIntervalFor } from './run-watch.js';

export interface WorkerOptions {
  /** Unique per process; default `<host>:<pid>:<random>`. */
  readonly id?: string;
  /** Runs executed at once by this worker; default the configured maxConcurrentRuns. */
  readonly concurrency?: number;
  /** Claim poll when no notification arrives; default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** Paces the loops and stamps heartbeats; default the runtime's clock. */
  readonly clock?: Clock;
  /** How the process appears in `strata status`; default 'worker'. */
  readonly kind?: ProcessKind;
  /**
   * Records the event batches of the worker's runs. Default: one group commit shared by all of
   * them (groupCommitEventWriter), so concurrent runs' events share transactions.
   */
  readonly writeEvents?: EventWriter;
}

export interface StopOptions {
  /** How long steps in flight may run on; default config.shutdownGraceMs. */
  readonly graceMs?: number;
  /** After the abort, how long to wait for runs to record their end; default 10 s. */
  readonly abortWaitMs?: number;
}

export interface Worker {
  readonly id: string;
  start(): Promise<void>;
  /** Graceful shutdown (see the module comment). Resolves when every run has ended or been given up. */
  stop(options?: StopOptions): Promise<void>;
  /** Ids of the runs executing now. */
  activeRunIds(): string[];
}

interface ActiveRun {
  readonly run: Run;
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

export function newProcessId(kind: string): string {
  return `${kind}:${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * @example
 * const worker = createWorker(runtime, { concurrency: 4 });
 * await worker.start();
 * process.once('SIGTERM', () => void worker.stop());
 */
export function createWorker(runtime: Runtime, options: WorkerOptions = {}): Worker {
  const { config, database } = runtime;
  const id = options.id ?? newProcessId('worker');
  const clock = options.clock ?? runtime.clock;
  const concurrency = options.concurrency ?? config.maxConcurrentRuns;
  const logger = runtime.logger.child({ workerId: id });
  const active = new Map<string, ActiveRun>();
  const writeEvents = options.writeEvents ?? groupCommitEventWriter(database.db);
  let draining = false;
  let claimLoop: BackgroundLoop | undefined;
  let heartbeatLoop: BackgroundLoop | undefined;
  let listener: QueueListener | undefined;
  let unsubscribe: (() => void) | undefined;

  const execute = (run: Run): void => {
    const controller = new AbortController();
    const done = executeStoredRun(runtime, run, controller.signal, { workerId: id, mayStartStep: () => !draining, writeEvents })
      .then(async (result) => {
        logger.info({ runId: run.id, status: result.status, retryRunId: result.interrupted?.retry?.id }, `run ended ${result.status}`);
        const backfillId = run.tags['backfill'];
        // A backfill's per-partition runs wait for its range run (backfill-release.ts).
        if (run.partitionRange !== null && backfillId !== undefined && result.status === 'SUCCESS') await releaseDeferredRuns(runtime, backfillId);
      })
      .catch((error: unknown) => {
        // Its events could not be recorded (database gone, or the run was taken away): it is no
        // longer heartbeated, so the monitor fails and retries it if it is still active.
        logger.error({ err: error, runId: run.id }, 'run execution failed; leaving it to the run monitor');
      })
      .finally(() => {
        active.delete(run.id);
        claimLoop?.wake();
      });
    active.set(run.id, { run, controller, done });
  };

  const claim = async (): Promise<void> => {
    if (draining) return;
    const claimed = await claimRuns(database.db, {
      workerId: id,
      max: concurrency - active.size,
      maxConcurrentRuns: config.maxConcurrentRuns,
      at: clock.now(),
    });
    for (const run of claimed) {
      logger.info({ runId: run.id, selection: run.selection, partition: run.partitionKey }, 'claimed run');
      execute(run);
    }
  };

  return {
    id,
    async start() {
      if (claimLoop !== undefined) return;
      await registerProcess(database.db, { id, kind: options.kind ?? 'worker', hostname: hostname(), pid: process.pid, at: clock.now() });
      listener = await listenForQueueSignals(database, logger);
      claimLoop = startBackgroundLoop({
        name: 'claim',
        intervalMs: options.pollIntervalMs ?? 1000,
        clock,
        logger,
        iteration: claim,
        report: loopReporter(database, id, 'claim', clock),
        availability: availabilityOf(database),
      });
      unsubscribe = onQueueChanged(database, () => claimLoop?.wake());
      heartbeatLoop = startBackgroundLoop({
        name: 'heartbeat',
        intervalMs: heartbeatIntervalFor(config.heartbeatTimeoutMs),
        clock,
        logger,
        iteration: () => heartbeatProcess(database.db, id, clock.now()),
        report: loopReporter(database, id, 'heartbeat', clock),
        availability: availabilityOf(database),
      });
      logger.info({ concurrency }, 'worker started');
    },

    async stop(stopOptions = {}) {
      if (claimLoop === undefined || draining) return;
      draining = true;
      unsubscribe?.();
      await claimLoop.stop();
      const graceMs = stopOptions.graceMs ?? config.shutdownGraceMs;
      if (active.size > 0) {
        logger.info({ runs: [...active.keys()], graceMs }, 'shutting down: letting steps in flight finish');
        await settledWithin(clock, [...active.values()].map((entry) => entry.done), graceMs);
      }
      if (active.size > 0) {
        const reason = new RunInterruptedError(`worker ${id} shut down (grace period of ${graceMs} ms over)`);
        for (const entry of active.values()) entry.controller.abort(reason);
        const finished = await settledWithin(clock, [...active.values()].map((entry) => entry.done), stopOptions.abortWaitMs ?? 10_000);
        if (!finished) logger.error({ runs: [...active.keys()] }, 'runs did not stop after abort; the run monitor will fail and retry them');
      }
      await heartbeatLoop?.stop();
      await listener?.close();
      await markProcessStopped(database.db, id, clock.now()).catch((error: unknown) => logger.warn({ err: error }, 'could not mark the worker stopped'));
      logger.info('worker stopped');
    },

    activeRunIds: () => [...active.keys()],
  };
}

/** True when every promise settled before `ms` passed on the clock. */
async function settledWithin(clock: Clock, promises: readonly Promise<void>[], ms: number): Promise<boolean> {
  const timer = new AbortController();
  const all = Promise.allSettled(promises).then(() => true);
  const timeout = clock.sleep(ms, timer.signal).then(
    () => false,
    () => false,
  );
  try {
    return await Promise.race([all, timeout]);
  } finally {
    timer.abort();
  }
}
