import type { Clock } from '../../src/core/types.js';

/**
 * A clock whose sleeps return at once and move time forward by their length, recording each,
 * so code that waits (backoff, Retry-After, rate limits) runs instantly and the waits can be
 * asserted. Deliberately not ManualClock: these tests drive whole HTTP exchanges and only need
 * to know what was waited, not to interleave with it.
 */
export class RecordingClock implements Clock {
  readonly sleeps: number[] = [];
  private current: number;

  constructor(start = new Date('2026-01-01T00:00:00.000Z')) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current += ms;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.sleeps.push(ms);
    this.current += Math.max(0, ms);
  }
}

/** The most events inside any `windowMs` span (half-open, as the limiter counts). */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while ((sorted[first] as number) <= (sorted[last] as number) - windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}
