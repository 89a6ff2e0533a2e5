/**
 * Group commit of run events: the concurrent runs of one worker hand their batches to one
 * writer, which records every batch pending at that moment in one transaction (one INSERT, one
 * WAL flush), then resolves each. While a commit is in flight the next batches gather, so under
 * load one commit carries the events of many runs, and when idle a batch goes at once.
 *
 * Each run still awaits the commit that holds its batch before its next step starts, so "every
 * event is durable before the next step starts" holds per run. A batch that cannot be recorded
 * (a run the monitor took away) must not fail the others: a failed group is retried batch by
 * batch, each in its own transaction, and only the failing batch's caller sees the error.
 */
import type { Kysely } from 'kysely';
import type { RunEvent } from '../core/types.js';
import { recordEvents } from './event-log.js';
import type { Database } from './schema.js';

/** Records a batch of one run's events, durably, before it resolves. */
export type EventWriter = (events: readonly RunEvent[]) => Promise<void>;

interface PendingBatch {
  readonly events: readonly RunEvent[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Each batch in its own transaction: what a run executed alone (`strata materialize`) does. */
export function directEventWriter(db: Kysely<Database>): EventWriter {
  return async (events) => {
    await recordEvents(db, events);
  };
}

export function groupCommitEventWriter(db: Kysely<Database>): EventWriter {
  // One group commit in flight gathers the most per commit. Two or four in flight were measured
  // too (a bench diagnostic, load average 13): no difference that stood out of the noise.
  const inFlight = 1;
  let pending: PendingBatch[] = [];
  let committing = 0;
  let scheduled = false;

  const commit = async (group: readonly PendingBatch[]): Promise<void> => {
    try {
      await recordEvents(
        db,
        group.flatMap((batch) => batch.events),
      );
      for (const batch of group) batch.resolve();
      return;
    } catch (error) {
      if (group.length === 1) {
        group[0]?.reject(error);
        return;
      }
    }
    for (const batch of group) {
      await recordEvents(db, batch.events).then(batch.resolve, batch.reject);
    }
  };

  const next = (): void => {
    if (scheduled || committing >= inFlight || pending.length === 0) return;
    scheduled = true;
    // setImmediate, not at once: runs resumed by the last commit submit their next batch in the
    // microtasks that follow it, and should ride in this commit rather than wait for the next.
    setImmediate(() => {
      scheduled = false;
      const group = pending;
      pending = [];
      if (group.length === 0) return;
      committing += 1;
      void commit(group).finally(() => {
        committing -= 1;
        next();
      });
      next();
    });
  };

  return (events) =>
    new Promise<void>((resolve, reject) => {
      if (events.length === 0) {
        resolve();
        return;
      }
      pending.push({ events, resolve, reject });
      next();
    });
}
