/**
 * Which ticks of a schedule are due since its cursor, and which of them run: the catch-up policy
 * as a pure function, so it is tested without a database.
 */
import type { ScheduleDefinition } from '../core/schedule.js';

/**
 * Skipped ticks stored one by one per evaluation. An every-second schedule after a day of
 * downtime has 86,400 missed ticks; beyond this many the oldest are counted, not stored.
 */
export const MAX_STORED_SKIPS = 100;

export const SCHEDULE_OFF_REASON = 'schedule is off';

export interface PlannedTick {
  readonly tickAt: Date;
  readonly run: boolean;
  /** Why the tick is skipped; null when it runs. */
  readonly reason: string | null;
}

export interface TickPlan {
  /** Oldest first; the newest is where the cursor moves. */
  readonly ticks: readonly PlannedTick[];
  /** Missed ticks older than the stored ones (counted in the oldest stored tick's reason). */
  readonly notStored: number;
}

/** The ticks in (cursor, now], each marked to run or to skip with the reason. */
export function planTicks(schedule: ScheduleDefinition, cursor: Date, now: Date, enabled: boolean): TickPlan {
  const runnable = !enabled ? 0 : schedule.catchUp === 'latest' ? 1 : schedule.maxCatchup;
  const window = runnable + MAX_STORED_SKIPS;
  let due: Date[] = [];
  let total = 0;
  for (const tick of schedule.times.between(cursor, now)) {
    due.push(tick);
    total += 1;
    // Trim in batches: keeping only the newest `window` ticks bounds memory for any outage.
    if (due.length >= window * 2) due = due.slice(-window);
  }
  due = due.slice(-window);
  const notStored = total - due.length;
  const firstRun = due.length - Math.min(runnable, due.length);
  const skipReason = !enabled
    ? SCHEDULE_OFF_REASON
    : schedule.catchUp === 'latest'
      ? `catch-up policy 'latest': only the latest missed tick runs (${due.at(-1)?.toISOString()})`
      : `catch-up policy 'all': only the ${schedule.maxCatchup} most recent missed ticks run`;
  const ticks = due.map((tickAt, index) => {
    if (index >= firstRun) return { tickAt, run: true, reason: null };
    const older = index === 0 && notStored > 0 ? `; ${notStored} older missed ticks since ${cursor.toISOString()} were not stored one by one` : '';
    return { tickAt, run: false, reason: `${skipReason}${older}` };
  });
  return { ticks, notStored };
}
