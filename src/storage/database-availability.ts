/**
 * Whether the database answers, as one process sees it. An outage starts at the first lost or
 * refused connection and ends when a probe query succeeds; probes back off exponentially with
 * jitter, so a fleet of workers does not hammer a server that is starting up. Each outage is
 * logged in one line when it starts and one when it ends, whatever the number of queries that
 * failed meanwhile. Loops wait on `whenAvailable`, `/readyz` answers 503 while unavailable.
 */
import { backoffDelay } from '../core/retry.js';
import type { RetryPolicy } from '../core/types.js';
import { describeConnectionError } from './connection-errors.js';

export interface DatabaseAvailability {
  /** False from the first lost connection until a probe query succeeds again. */
  readonly available: boolean;
  /** When the current outage started; undefined while available. */
  readonly unavailableSince: Date | undefined;
  /** Resolves at once when available, else when the database is back; rejects when `signal` aborts. */
  whenAvailable(signal?: AbortSignal): Promise<void>;
  /** Called with false when an outage starts and with true when it ends; returns the unsubscribe function. */
  onChange(listener: (available: boolean) => void): () => void;
}

/** PGlite lives in the process: it cannot go away on its own. */
export const ALWAYS_AVAILABLE: DatabaseAvailability = Object.freeze({
  available: true,
  unavailableSince: undefined,
  whenAvailable: async () => {},
  onChange: () => () => {},
});

export function availabilityOf(database: { readonly availability?: DatabaseAvailability | undefined }): DatabaseAvailability {
  return database.availability ?? ALWAYS_AVAILABLE;
}

export interface AvailabilityLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface AvailabilityTrackerOptions {
  /** Succeeds only when the database answers, e.g. `SELECT 1` through the pool. */
  readonly probe: () => Promise<unknown>;
  readonly logger?: AvailabilityLogger | undefined;
  /** Default: 200 ms doubling to 2 s, a fifth of each delay random. */
  readonly backoff?: Omit<RetryPolicy, 'maxRetries'>;
  readonly random?: () => number;
}

export interface AvailabilityTracker extends DatabaseAvailability {
  /** A connection failed: starts an outage (logged once) unless one is under way. */
  lost(error: unknown): void;
  /** Outages started so far. postgres-pool.ts tags connections with it, so a straggler of an old outage starts no new one. */
  readonly outages: number;
  /** Stops probing (the pool is closing). */
  close(): void;
}

export const DEFAULT_RECONNECT_BACKOFF: Omit<RetryPolicy, 'maxRetries'> = Object.freeze({ initialDelayMs: 200, factor: 2, maxDelayMs: 2_000, jitter: 0.2 });

export function createAvailabilityTracker(options: AvailabilityTrackerOptions): AvailabilityTracker {
  const backoff = { maxRetries: Number.POSITIVE_INFINITY, ...(options.backoff ?? DEFAULT_RECONNECT_BACKOFF) };
  const random = options.random ?? Math.random;
  const listeners = new Set<(available: boolean) => void>();
  let since: Date | undefined;
  let outages = 0;
  let attempts = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const notify = (available: boolean): void => {
    for (const listener of [...listeners]) {
      try {
        listener(available);
      } catch {
        // A listener's failure is its own; the others still hear of the change.
      }
    }
  };
  const scheduleProbe = (): void => {
    if (closed || timer !== undefined) return;
    attempts += 1;
    timer = setTimeout(() => void probe(), backoffDelay(backoff, attempts, random));
    timer.unref();
  };
  const onChange = (listener: (available: boolean) => void): (() => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  const probe = async (): Promise<void> => {
    try {
      await options.probe();
    } catch {
      timer = undefined;
      scheduleProbe();
      return;
    }
    timer = undefined;
    if (since === undefined || closed) return;
    const seconds = ((Date.now() - since.getTime()) / 1000).toFixed(1);
    options.logger?.info(`database connection restored after ${seconds} s (${attempts} reconnect attempt${attempts === 1 ? '' : 's'}); carrying on`);
    since = undefined;
    attempts = 0;
    notify(true);
  };

  return {
    get available() {
      return since === undefined;
    },
    get unavailableSince() {
      return since;
    },
    get outages() {
      return outages;
    },
    whenAvailable(signal) {
      if (since === undefined) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const done = (): void => {
          unsubscribe();
          signal?.removeEventListener('abort', aborted);
        };
        const aborted = (): void => {
          done();
          reject(signal?.reason);
        };
        const unsubscribe = onChange((available) => {
          if (!available) return;
          done();
          resolve();
        });
        if (signal?.aborted) aborted();
        else signal?.addEventListener('abort', aborted, { once: true });
      });
    },
    onChange,
    lost(error) {
      if (since !== undefined || closed) return;
      since = new Date();
      outages += 1;
      options.logger?.warn(
        `database connection lost (${describeConnectionError(error)}); not ready until it is back, reconnecting with backoff (up to ${backoff.maxDelayMs / 1000} s between attempts)`,
      );
      notify(false);
      scheduleProbe();
    },
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
