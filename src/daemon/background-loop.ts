/**
 * A background loop that never dies: each iteration is caught, logged and reported (to the
 * process's row in `strata.processes`), then the loop sleeps until its interval passes or
 * something wakes it. Sleeping uses the injected clock, so tests drive loops by waking them.
 * While the database is unreachable the loop waits for it instead of failing each interval:
 * the pool has logged the outage once, and reconnects with backoff (postgres-pool.ts).
 */
import type { Clock } from '../core/types.js';
import type { Logger } from '../logger.js';
import { signalLoopError } from '../metrics/loop-errors.js';
import { type DatabaseAvailability, type StrataDatabase, isConnectionError, recordLoopResult } from '../storage/index.js';

export interface BackgroundLoopOptions {
  readonly name: string;
  readonly intervalMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly iteration: () => Promise<void>;
  /** Where iteration results go; see loopReporter. */
  readonly report?: (error?: unknown) => Promise<void>;
  /** The database the iterations use: no iteration starts while it is unreachable. */
  readonly availability?: DatabaseAvailability;
}

export interface BackgroundLoop {
  /** Runs the next iteration now (or right after the current one). */
  wake(): void;
  /** Stops after the current iteration; resolves when it has. */
  stop(): Promise<void>;
}

export function startBackgroundLoop(options: BackgroundLoopOptions): BackgroundLoop {
  const log = options.logger.child({ loop: options.name });
  let stopped = false;
  let woken = false;
  let sleeping: AbortController | undefined;

  // A lost connection is logged once for the whole outage by the pool (postgres-pool.ts).
  const quiet = (error: unknown): boolean => options.availability !== undefined && isConnectionError(error);
  const reportSafely = async (error?: unknown): Promise<void> => {
    try {
      await options.report?.(error);
    } catch (reportError) {
      if (quiet(reportError)) log.debug({ err: reportError }, 'could not record the loop result');
      else log.warn({ err: reportError }, 'could not record the loop result');
    }
  };
  const pause = async (wait: (signal: AbortSignal) => Promise<void>): Promise<void> => {
    sleeping = new AbortController();
    try {
      await wait(sleeping.signal);
    } catch {
      // Woken or stopped.
    }
    sleeping = undefined;
  };
  const done = (async () => {
    while (!stopped) {
      woken = false;
      const availability = options.availability;
      if (availability !== undefined && !availability.available) {
        await pause((signal) => availability.whenAvailable(signal));
        continue;
      }
      try {
        await options.iteration();
        await reportSafely();
      } catch (error) {
        signalLoopError(options.name);
        if (quiet(error)) {
          // The result cannot be recorded until the database is back.
          log.debug({ err: error }, `${options.name} loop iteration lost its database connection; waiting for it`);
        } else {
          log.error({ err: error }, `${options.name} loop iteration failed; carrying on`);
          await reportSafely(error);
        }
      }
      if (stopped || woken) continue;
      await pause((signal) => options.clock.sleep(options.intervalMs, signal));
    }
  })();

  return {
    wake() {
      woken = true;
      sleeping?.abort();
    },
    async stop() {
      stopped = true;
      sleeping?.abort();
      await done;
    },
  };
}

/**
 * Reports a loop's iterations to `strata.processes`: every error at once, successes at most
 * once per `successEveryMs` (a loop polling twice a second should not write twice a second).
 */
export function loopReporter(
  database: StrataDatabase,
  processId: string,
  loopName: string,
  clock: Clock,
  successEveryMs = 5_000,
): (error?: unknown) => Promise<void> {
  let lastSuccess = Number.NEGATIVE_INFINITY;
  return async (error) => {
    const now = clock.now();
    if (error === undefined) {
      if (now.getTime() - lastSuccess < successEveryMs) return;
      lastSuccess = now.getTime();
    }
    await recordLoopResult(database.db, processId, loopName, error, now);
  };
}
