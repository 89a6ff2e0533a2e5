/**
 * The rule both rate limiters apply (in-process: rate-limiter.ts; shared through the database:
 * database-rate-limiter.ts): never more than `limit` request starts in any `windowMs` span, and
 * none before a pause (after a 429) ends. A request counts from its start until it ends, then
 * from its end. Pure, so both count the window the same way.
 */

export interface RollingWindowState {
  /** Start times (epoch ms), ascending; an ended request's is its end time. */
  readonly starts: readonly number[];
  /** Epoch ms before which no request starts; 0 when not paused. */
  readonly pausedUntil: number;
}

export interface RollingWindowRule {
  readonly limit: number;
  readonly windowMs: number;
}

/** The starts still inside the window ending at `now`: a start leaves once it is a full window old. */
export function startsInWindow(starts: readonly number[], now: number, windowMs: number): number[] {
  return starts.filter((start) => start > now - windowMs);
}

/**
 * The starts once the request that started at `start` ended at `end`: it counts from `end` on
 * (appended if it has already left the window, when a request outlasted it).
 */
export function endStart(starts: readonly number[], start: number, end: number): number[] {
  const index = starts.indexOf(start);
  const rest = index < 0 ? [...starts] : [...starts.slice(0, index), ...starts.slice(index + 1)];
  return [...rest, Math.max(start, end)].sort((a, b) => a - b);
}

/** Milliseconds until a request may start at `now`; 0 when one may start now. */
export function waitBeforeStart(state: RollingWindowState, now: number, rule: RollingWindowRule): number {
  if (state.pausedUntil > now) return state.pausedUntil - now;
  const live = startsInWindow(state.starts, now, rule.windowMs);
  if (live.length < rule.limit) return 0;
  // The oldest start that must leave so that one more fits (more than `limit` when a peer has a higher limit).
  return (live[live.length - rule.limit] as number) + rule.windowMs - now;
}

/** Throws a RangeError naming a limit or window that cannot work. */
export function checkRule(rule: RollingWindowRule): void {
  if (!Number.isInteger(rule.limit) || rule.limit < 1) throw new RangeError(`rate limit must be an integer >= 1, got ${rule.limit}`);
  if (!(rule.windowMs > 0)) throw new RangeError(`rate window must be > 0 ms, got ${rule.windowMs}`);
}
