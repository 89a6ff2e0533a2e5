/**
 * Tells live run pages in other processes that runs have new events: NOTIFY on
 * `strata_run_events` with the ids of the runs, sent by the process that recorded them, after
 * they are committed, as they are published on its event bus.
 *
 * Not a trigger on the events table: Postgres serialises the commits of every transaction that
 * NOTIFYs (a global lock held through the commit's WAL flush), so a NOTIFY inside each event
 * transaction measured 2.5× fewer events/s with 8 concurrent writers (bench/results/sse.md).
 * Here the event transactions stay free to commit together; the announcements go in their own
 * small transactions, one at a time per process, each naming every run that had events since the
 * previous one (a burst of events costs one NOTIFY).
 *
 * A lost announcement is not lost events: streams read from their last id on the next wake-up
 * or poll. On PGlite there is no one to tell: a no-op.
 */
import { sql } from 'kysely';
import type { RunEventBus } from '../core/events.js';
import type { Logger } from '../logger.js';
import type { StrataDatabase } from '../storage/index.js';

export const RUN_EVENTS_CHANNEL = 'strata_run_events';
/** NOTIFY payloads must stay under 8,000 bytes: 200 run ids of 36 characters and a comma each. */
const RUNS_PER_NOTIFICATION = 200;

/** Returns the function that stops announcing. */
export function announceRunEvents(database: StrataDatabase, events: RunEventBus, logger: Logger): () => void {
  if (database.pgPool === undefined) return () => {};
  const pending = new Set<string>();
  let sending = false;
  let stopped = false;

  const send = async (): Promise<void> => {
    if (sending || stopped || pending.size === 0) return;
    sending = true;
    const runIds = [...pending];
    pending.clear();
    try {
      const payloads: string[] = [];
      for (let i = 0; i < runIds.length; i += RUNS_PER_NOTIFICATION) payloads.push(runIds.slice(i, i + RUNS_PER_NOTIFICATION).join(','));
      await sql`SELECT pg_notify(${RUN_EVENTS_CHANNEL}, payload) FROM unnest(${payloads}::text[]) AS payload`.execute(database.db);
    } catch (error) {
      // Tried again with the next event; a run that has ended is announced by its status trigger anyway.
      logger.debug({ err: error }, 'could not announce run events');
      for (const runId of runIds) pending.add(runId);
      return;
    } finally {
      sending = false;
    }
    void send();
  };

  const unsubscribe = events.subscribe((event) => {
    pending.add(event.runId);
    void send();
  });
  return () => {
    stopped = true;
    unsubscribe();
  };
}
