/**
 * Follows the runtime's event bus (every event is published after it is recorded): when each
 * run's first step started, how long its asset bodies took, and when it ended. Waiting on these
 * events, not on sleeps, keeps the bench's own overhead out of the figures.
 */
import type { RunEventBus } from '../src/core/events.js';
import type { RunEvent } from '../src/core/types.js';

export type RunEndEvent = Extract<RunEvent, { type: 'run:succeeded' | 'run:failed' | 'run:canceled' }>;

function isRunEnd(event: RunEvent): event is RunEndEvent {
  return event.type === 'run:succeeded' || event.type === 'run:failed' || event.type === 'run:canceled';
}

export class RunEventTracker {
  readonly #firstStepAt = new Map<string, Date>();
  readonly #bodyMs = new Map<string, number>();
  readonly #ended = new Map<string, RunEndEvent>();
  readonly #waiters = new Map<string, (event: RunEndEvent) => void>();
  #countWaiter: { count: number; resolve: () => void } | undefined;
  readonly #unsubscribe: () => void;

  constructor(events: RunEventBus) {
    this.#unsubscribe = events.subscribe((event) => this.#on(event));
  }

  #on(event: RunEvent): void {
    if (event.type === 'step:started' && !this.#firstStepAt.has(event.runId)) this.#firstStepAt.set(event.runId, event.at);
    if (event.type === 'asset:materialized') this.#bodyMs.set(event.runId, (this.#bodyMs.get(event.runId) ?? 0) + event.durationMs);
    if (!isRunEnd(event)) return;
    this.#ended.set(event.runId, event);
    this.#waiters.get(event.runId)?.(event);
    this.#waiters.delete(event.runId);
    if (this.#countWaiter && this.#ended.size >= this.#countWaiter.count) {
      this.#countWaiter.resolve();
      this.#countWaiter = undefined;
    }
  }

  firstStepAt(runId: string): Date | undefined {
    return this.#firstStepAt.get(runId);
  }

  /** Sum of the `asset:materialized` durations (the executor's time for each attempt, inputs included). */
  bodyMs(runId: string): number {
    return this.#bodyMs.get(runId) ?? 0;
  }

  ended(runId: string): Promise<RunEndEvent> {
    const seen = this.#ended.get(runId);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.set(runId, resolve));
  }

  /** Resolves once `count` runs have ended since the tracker was made. */
  endedCount(count: number): Promise<void> {
    if (this.#ended.size >= count) return Promise.resolve();
    return new Promise((resolve) => {
      this.#countWaiter = { count, resolve };
    });
  }

  endedRuns(): RunEndEvent[] {
    return [...this.#ended.values()];
  }

  close(): void {
    this.#unsubscribe();
  }
}
