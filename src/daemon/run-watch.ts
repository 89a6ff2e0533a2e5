/**
 * Watches one executing run on behalf of whoever executes it (a worker, `strata materialize`):
 * heartbeats it, and aborts it when a cancel is requested or when the run is no longer this
 * worker's (the monitor failed it after missed heartbeats). Cancel arrives at once through
 * the queue signals and at the latest after one poll, so a step's AbortSignal fires within 2 s.
 *
 * Timers are real (not the injected clock): they pace database round trips, while the times
 * written come from the clock, so the monitor compares like with like.
 */
import type { Runtime } from '../runtime.js';
import { isConnectionError } from '../storage/index.js';
import { onCancelRequested } from './queue-signals.js';
import { RunCanceledError, RunLostError } from './run-errors.js';

export interface RunWatchOptions {
  readonly runId: string;
  readonly workerId: string;
  readonly controller: AbortController;
  /** Default: a sixth of the heartbeat timeout. */
  readonly heartbeatIntervalMs?: number;
  /** Default 500 ms. */
  readonly cancelPollMs?: number;
}

export function heartbeatIntervalFor(heartbeatTimeoutMs: number): number {
  return Math.max(50, Math.floor(heartbeatTimeoutMs / 6));
}

/**
 * Starts watching; call the returned function when the run has ended. It resolves once no
 * heartbeat or cancel poll is in flight, so the caller may close the database after it.
 */
export function watchRun(runtime: Runtime, options: RunWatchOptions): () => Promise<void> {
  const { db } = runtime.database;
  const { runId, workerId, controller } = options;
  const log = runtime.logger.child({ runId });
  // A lost database is logged once for the whole outage by the pool: a missed beat is detail then.
  const warn = (error: unknown, message: string): void => {
    if (runtime.database.availability !== undefined && isConnectionError(error)) log.debug({ err: error }, message);
    else log.warn({ err: error }, message);
  };
  const abort = (reason: Error): void => {
    if (!controller.signal.aborted) controller.abort(reason);
  };

  const heartbeat = async (): Promise<void> => {
    const row = await db
      .updateTable('strata.runs')
      .set({ heartbeat_at: runtime.clock.now() })
      .where('id', '=', runId)
      .where('worker_id', '=', workerId)
      .where('status', 'in', ['STARTING', 'STARTED'])
      .returning('cancel_requested_at')
      .executeTakeFirst();
    if (row === undefined) abort(new RunLostError(runId, workerId));
    else if (row.cancel_requested_at !== null) abort(new RunCanceledError(runId));
  };
  const pollCancel = async (): Promise<void> => {
    const row = await db.selectFrom('strata.runs').select('cancel_requested_at').where('id', '=', runId).executeTakeFirst();
    if (row?.cancel_requested_at != null) abort(new RunCanceledError(runId));
  };

  const timers = [
    every(options.heartbeatIntervalMs ?? heartbeatIntervalFor(runtime.config.heartbeatTimeoutMs), heartbeat, (error) =>
      warn(error, 'run heartbeat failed; retrying at the next beat'),
    ),
    every(options.cancelPollMs ?? 500, pollCancel, (error) => warn(error, 'cancel check failed; retrying')),
  ];
  const unsubscribe = onCancelRequested(runtime.database, (canceledId) => {
    if (canceledId === runId) abort(new RunCanceledError(runId));
  });
  return async () => {
    unsubscribe();
    await Promise.all(timers.map((timer) => timer.stop()));
  };
}

/** An interval whose ticks never overlap and never throw; `stop()` waits for a tick in flight. */
function every(ms: number, tick: () => Promise<void>, onError: (error: unknown) => void): { stop(): Promise<void> } {
  let inFlight: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (inFlight !== undefined) return;
    inFlight = tick()
      .catch(onError)
      .finally(() => {
        inFlight = undefined;
      });
  }, ms);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
