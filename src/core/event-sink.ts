import type { RunEvent } from './types.js';

/**
 * Delivers events to an (maybe async) `emit` one at a time, in order. Log lines are posted without
 * waiting (asset code logs synchronously); lifecycle events are sent and awaited, and surface the
 * first delivery failure, because a run whose events were not persisted must not look fine.
 */
export class EventSink {
  private readonly emit: (event: RunEvent) => void | Promise<void>;
  private tail: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;

  constructor(emit: (event: RunEvent) => void | Promise<void>) {
    this.emit = emit;
  }

  post(event: RunEvent): void {
    this.tail = this.tail
      .then(async () => {
        if (!this.failure) await this.emit(event);
      })
      .catch((error: unknown) => {
        this.failure ??= { error };
      });
  }

  async send(event: RunEvent): Promise<void> {
    this.post(event);
    await this.tail;
    if (this.failure) throw this.failure.error;
  }
}
