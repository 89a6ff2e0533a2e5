/**
 * Operational signals that are not run events: source HTTP attempts, rate-limit waits,
 * schedule ticks and retention purges. Run events go through `runtime.events` (they are stored
 * and shown in the UI); these are only counted, so they travel on their own in-process bus.
 */
export type TelemetryEvent =
  | {
      readonly type: 'source:request';
      /** A bounded name such as `coingecko`. */
      readonly source: string;
      /** The path without query, such as `/coins/markets`. */
      readonly endpoint: string;
      /** Null when no response arrived (timeout, reset). */
      readonly status: number | null;
      readonly durationMs: number;
    }
  | { readonly type: 'source:rate_limit_wait'; readonly source: string; readonly ms: number }
  | { readonly type: 'schedule:tick'; readonly schedule: string; readonly lagMs: number }
  | {
      readonly type: 'retention:deleted';
      /** What was purged: a bounded name such as `runs`, `events`, `ticks`, `bronze_partitions`. */
      readonly table: string;
      readonly count: number;
    };

export type TelemetryListener = (event: TelemetryEvent) => void;

/** Fan-out to listeners; a listener that throws is skipped, never the publisher's problem. */
export class TelemetryBus {
  private listeners: ReadonlyArray<TelemetryListener> = [];

  /** Returns the function that unsubscribes. */
  subscribe(listener: TelemetryListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((existing) => existing !== listener);
    };
  }

  publish(event: TelemetryEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // Counting must never break a request, a tick or a purge.
      }
    }
  }
}
