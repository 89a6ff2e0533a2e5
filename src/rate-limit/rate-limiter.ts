/**
 * A sliding-window rate limiter: never more than `limit` request starts in any `windowMs`
 * (default 60 s) span, measured on an injected clock. CoinGecko counts calls per rolling minute,
 * so a fixed per-minute bucket could burst 2×limit across a minute boundary; the window of start
 * times cannot.
 *
 * After a 429, `pauseUntil(time)` holds every caller (not just the one that was refused),
 * because the server's budget is shared by all of them.
 */
import type { Clock } from '../core/types.js';
import { checkRule, endStart, startsInWindow, waitBeforeStart } from './rolling-window.js';

/**
 * Request starts of one source: createRateLimiter counts one process's, createDatabaseRateLimiter
 * (database-rate-limiter.ts) those of every process sharing a database.
 */
export interface RateLimiter {
  /**
   * Waits until a request may start, then records its start and returns it (epoch ms) for `ended`.
   * Rejects with the signal's reason on abort.
   */
  acquire(signal?: AbortSignal): Promise<number>;
  /**
   * The request that started at `start` has its answer (or failed): it now counts as made at this
   * moment. The server counted it on arrival, somewhere between the two, and a request that left
   * late (a new connection, a busy machine) must not let the next window open early.
   */
  ended(start: number): Promise<void>;
  /** No request starts before `time` (the later of this and any earlier pause wins). */
  pauseUntil(time: Date): Promise<void>;
  /** Starts recorded in the current window (for metrics and tests). */
  inWindow(): Promise<number>;
}

export interface RateLimiterOptions {
  readonly limit: number;
  readonly windowMs?: number;
  readonly clock: Clock;
  /** Called with each wait before it starts (ms), e.g. for a `rate_limit_wait` metric. */
  readonly onWait?: (ms: number) => void;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { clock, onWait } = options;
  const rule = { limit: options.limit, windowMs: options.windowMs ?? 60_000 };
  checkRule(rule);

  // Start times in ascending order, pruned to the window on every start.
  let starts: number[] = [];
  let pausedUntil = 0;

  const waitFor = (now: number): number => waitBeforeStart({ starts, pausedUntil }, now, rule);

  return {
    async acquire(signal?: AbortSignal): Promise<number> {
      signal?.throwIfAborted();
      // Re-checked after every sleep: other callers may have taken the slot, or a pause may have begun.
      for (;;) {
        const now = clock.now().getTime();
        const wait = waitFor(now);
        if (wait <= 0) {
          starts = [...startsInWindow(starts, now, rule.windowMs), now];
          return now;
        }
        onWait?.(wait);
        await clock.sleep(wait, signal);
      }
    },
    async ended(start: number): Promise<void> {
      starts = endStart(starts, start, clock.now().getTime());
    },
    async pauseUntil(time: Date): Promise<void> {
      pausedUntil = Math.max(pausedUntil, time.getTime());
    },
    async inWindow(): Promise<number> {
      return startsInWindow(starts, clock.now().getTime(), rule.windowMs).length;
    },
  };
}
