/**
 * Records one run's events with as few commits as the run's durability allows. An event that
 * only closes something (run:started, a materialization and its checks, a step's end) waits and
 * is written with the event that follows it: the next step's start, or the run's end. The next
 * step therefore still starts only after its predecessor's events are durable, and a no-op step
 * costs one commit instead of two. Should nothing follow soon (other steps of the run still
 * executing), the waiting events are written after LINGER_MS anyway, so the run page and a crash
 * lose at most that much.
 *
 * Flushes are serialised: events reach the writer in the order the run emitted them, and the
 * listeners (log, metrics, live pages) hear them only once they are recorded.
 */
import type { RunEvent } from '../core/types.js';
import type { EventWriter } from '../storage/event-group-commit.js';

/** How long a step's end may wait for the event that follows it. */
const LINGER_MS = 50;

export class RunEventRecorder {
  readonly #write: EventWriter;
  readonly #recorded: (events: readonly RunEvent[]) => void;
  #pending: RunEvent[] = [];
  #tail: Promise<void> = Promise.resolve();
  #linger: NodeJS.Timeout | undefined;
  /** A lingering flush failed: the run's next event rethrows it, as if that flush were its own. */
  #failure: { error: unknown } | undefined;

  constructor(write: EventWriter, recorded: (events: readonly RunEvent[]) => void) {
    this.#write = write;
    this.#recorded = recorded;
  }

  async record(event: RunEvent): Promise<void> {
    if (this.#failure) throw this.#failure.error;
    this.#pending.push(event);
    if (!waitsForNextEvent(event)) {
      await this.flush();
      return;
    }
    this.#linger ??= setTimeout(() => {
      this.flush().catch((error: unknown) => {
        this.#failure ??= { error };
      });
    }, LINGER_MS);
  }

  /** Writes every waiting event; resolves when they are durable. */
  flush(): Promise<void> {
    clearTimeout(this.#linger);
    this.#linger = undefined;
    const flushed = this.#tail.then(async () => {
      const events = this.#pending;
      this.#pending = [];
      if (events.length === 0) return;
      await this.#write(events);
      this.#recorded(events);
    });
    this.#tail = flushed.catch(() => undefined);
    return flushed;
  }
}

function waitsForNextEvent(event: RunEvent): boolean {
  switch (event.type) {
    case 'run:started':
    case 'asset:materialized':
    case 'check:evaluated':
    case 'step:succeeded':
    case 'step:skipped':
      return true;
    case 'step:failed':
      // A step that will be retried waits out its backoff: its failure is shown at once.
      return !event.willRetry;
    default:
      return false;
  }
}
