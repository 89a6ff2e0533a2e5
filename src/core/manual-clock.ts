import type { Clock } from './types.js';

/** A sleep started on a ManualClock, as `nextSleep()` reports it. */
export interface PendingSleep {
  readonly ms: number;
  readonly dueAt: Date;
}

interface SleepEntry extends PendingSleep {
  readonly sequence: number;
  resolve(): void;
}

/**
 * Time that moves only when a test says so. Tests wait on `nextSleep()` (an event) and then
 * `advance(ms)`, never on real time.
 *
 * ```ts
 * const clock = new ManualClock(new Date('2026-11-23T06:00:00Z'));
 * const run = executeRun({ ..., clock });
 * expect((await clock.nextSleep()).ms).toBe(1000);
 * clock.advance(1000);
 * await run;
 * ```
 */
export class ManualClock implements Clock {
  private current: number;
  private sequence = 0;
  private readonly sleeping: SleepEntry[] = [];
  private readonly unobserved: PendingSleep[] = [];
  private readonly observers: Array<(sleep: PendingSleep) => void> = [];

  constructor(start: Date = new Date('2026-01-01T00:00:00.000Z')) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(time: Date): void {
    this.current = time.getTime();
  }

  /** Sleeps started and neither finished nor aborted. */
  get pendingSleeps(): number {
    return this.sleeping.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const entry: SleepEntry = {
        ms,
        dueAt: new Date(this.current + Math.max(0, ms)),
        sequence: this.sequence++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.remove(entry);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (ms <= 0) entry.resolve();
      else this.sleeping.push(entry);
      this.report({ ms: entry.ms, dueAt: entry.dueAt });
    });
  }

  /** Resolves when a sleep starts (at once for one started and not yet returned by an earlier call). */
  nextSleep(): Promise<PendingSleep> {
    const started = this.unobserved.shift();
    if (started) return Promise.resolve(started);
    return new Promise((resolve) => this.observers.push(resolve));
  }

  /** Moves time forward and resolves the sleeps now due, earliest first. */
  advance(ms: number): void {
    const target = this.current + ms;
    const due = this.sleeping
      .filter((entry) => entry.dueAt.getTime() <= target)
      .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || a.sequence - b.sequence);
    for (const entry of due) {
      this.current = Math.max(this.current, entry.dueAt.getTime());
      this.remove(entry);
      entry.resolve();
    }
    this.current = target;
  }

  private report(sleep: PendingSleep): void {
    const observer = this.observers.shift();
    if (observer) observer(sleep);
    else this.unobserved.push(sleep);
  }

  private remove(entry: SleepEntry): void {
    const index = this.sleeping.indexOf(entry);
    if (index >= 0) this.sleeping.splice(index, 1);
  }
}
