import type { RunEvent, RunEventType } from './types.js';

export type RunEventListener<E extends RunEvent = RunEvent> = (event: E) => void;

export interface RunEventBusOptions {
  /** Called when a listener throws; without it, errors are rethrown once every listener has run. */
  readonly onListenerError?: (error: unknown, event: RunEvent) => void;
}

/** In-process fan-out of run events to metrics and the UI; one failing listener never starves the rest. */
export class RunEventBus {
  private listeners: ReadonlyArray<RunEventListener> = [];
  private readonly onListenerError: RunEventBusOptions['onListenerError'];

  constructor(options: RunEventBusOptions = {}) {
    this.onListenerError = options.onListenerError;
  }

  /** Returns the function that unsubscribes. */
  subscribe(listener: RunEventListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((existing) => existing !== listener);
    };
  }

  /** Subscribes to one event type, typed: `bus.on('asset:materialized', (e) => e.durationMs)`. */
  on<T extends RunEventType>(type: T, listener: RunEventListener<Extract<RunEvent, { type: T }>>): () => void {
    return this.subscribe((event) => {
      if (event.type === type) listener(event as Extract<RunEvent, { type: T }>);
    });
  }

  publish(event: RunEvent): void {
    const errors: unknown[] = [];
    // A snapshot, so listeners may unsubscribe while being called.
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        if (this.onListenerError) this.onListenerError(error, event);
        else errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} run event listeners failed on ${event.type}`);
  }
}
