/**
 * Pipeline tests replay recordings from 2025 as if they were being fetched then. A source that
 * serves only its present state may be fetched only for the partition that contains now, so
 * while a test materializes a partition the clock reads the time a schedule would have run it:
 * the start of a six-hourly window, 15 minutes after the end of a day (the daily schedule asks
 * for the day that has ended). Time still moves at its real pace; sleeps are real.
 */
import { systemClock } from '../../src/core/clock.js';
import { dailyPartitions, sixHourlyPartitions } from '../../src/core/partitions.js';
import type { Clock } from '../../src/core/types.js';

const DAILY_TICK_DELAY_MS = 15 * 60_000;

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

  /** Runs `work` with the clock at the time a schedule would materialize `partitionKey`, then back to real time. */
  async during<T>(partitionKey: string, work: () => Promise<T>): Promise<T> {
    this.offsetMs = scheduledTimeOf(partitionKey).getTime() - Date.now();
    try {
      return await work();
    } finally {
      this.offsetMs = 0;
    }
  }
}
