/**
 * A sliding-window rate limiter: never more than `limit` request starts in any `windowMs`
 * (default 60 s) span, measured on an injected clock. CoinGecko counts calls per rolling minute,
 * so a fixed per-minute bucket could burst 2×limit across a minute boundary; the window of start
 * times cannot.
 *
 * After a 429, `pauseUntil(time)` holds every caller (not just the one that was refused),
 * because the server's budget is shared by all of them.
 */
import type { Clock } from '../../core/types.js';

export interface RateLimiter {
  /** Waits until a request may start, then records its start. Rejects with the signal's reason on abort. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** No request starts before `time` (the later of this and any earlier pause wins). */
  pauseUntil(time: Date): void;
  /** Starts recorded in the current window (for metrics and tests). */
  inWindow(): number;
}

export interface RateLimiterOptions {
  readonly limit: number;
  readonly windowMs?: number;
  readonly clock: Clock;
  /** Called with each wait before it starts (ms), e.g. for a `rate_limit_wait` metric. */
  readonly onWait?: (ms: number) => void;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { limit, clock, onWait } = options;
  const windowMs = options.windowMs ?? 60_000;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`rate limit must be an integer >= 1, got ${limit}`);
  if (!(windowMs > 0)) throw new RangeError(`rate window must be > 0 ms, got ${windowMs}`);

  // Start times in ascending order; entries leave once they are a full window old.
  const starts: number[] = [];
  let pausedUntil = 0;

  const prune = (now: number): void => {
    while (starts.length > 0 && (starts[0] as number) <= now - windowMs) starts.shift();
  };

  /** Milliseconds until a start is allowed at `now`, 0 when one is allowed now. */
  const waitFor = (now: number): number => {
    if (pausedUntil > now) return pausedUntil - now;
    prune(now);
    if (starts.length < limit) return 0;
    return (starts[0] as number) + windowMs - now;
  };

  return {
    async acquire(signal?: AbortSignal): Promise<void> {
      signal?.throwIfAborted();
      // Re-checked after every sleep: other callers may have taken the slot, or a pause may have begun.
      for (;;) {
        const now = clock.now().getTime();
        const wait = waitFor(now);
        if (wait <= 0) {
          starts.push(now);
          return;
        }
        onWait?.(wait);
        await clock.sleep(wait, signal);
      }
    },
    pauseUntil(time: Date): void {
      pausedUntil = Math.max(pausedUntil, time.getTime());
    },
    inWindow(): number {
      prune(clock.now().getTime());
      return starts.length;
    },
  };
}
