/**
 * Tests replay recordings from 2025 as if they were being fetched then (Strata's own pipeline
 * tests, and a project's through `strata/testing`). A source that serves only its present state
 * may be fetched only for the partition that contains now, so before a test materializes a
 * partition the clock moves to the time a schedule would have run it: the start of a six-hourly
 * window, 15 minutes after the end of a day (the daily schedule asks for the day that has ended).
 * Time then runs on at its real pace from there, and the test's world stays at that time
 * (freshness, run times and events all agree); sleeps are real.
 */
import { systemClock } from '../core/clock.js';
import { dailyPartitions, sixHourlyPartitions } from '../core/partitions.js';
import type { Clock } from '../core/types.js';

const DAILY_TICK_DELAY_MS = 15 * 60_000;
/** Within this much of a partition's scheduled time the clock is already "at" it. */
const SLOT_MS = 3_600_000;

/** When the shipped schedules would materialize `partitionKey` (six-hourly or daily). */
export function scheduledTimeOf(partitionKey: string): Date {
  if (/T\d{2}:00Z$/.test(partitionKey)) return sixHourlyPartitions.parse(partitionKey).start;
  return new Date(dailyPartitions.parse(partitionKey).end.getTime() + DAILY_TICK_DELAY_MS);
}

export class FetchTimeClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }

  /**
   * Moves to the time a schedule would materialize `partitionKey`. Already there (a second run
   * of the same partition), time runs on instead: a later materialization must be later.
   */
  at(partitionKey: string): void {
    const target = scheduledTimeOf(partitionKey).getTime();
    const now = this.now().getTime();
    if (now >= target && now < target + SLOT_MS) return;
    this.offsetMs = target - Date.now();
  }

  /** Back to real time. */
  real(): void {
    this.offsetMs = 0;
  }
}
