/**
 * The live run pages of one server process share one feed: each followed run is read once per
 * wake-up and the result fanned out to every open stream of that run, so 200 people watching a
 * run cost the database what one does.
 *
 * Wake-ups: on Postgres, one LISTEN connection per feed (`strata_run_events`, announced by the
 * process that recorded the events — daemon/run-event-announcer.ts — and `strata_run_finished`,
 * sent by the runs table's trigger); after it
 * (re)connects every followed run is read again, since notifications sent meanwhile are gone.
 * On PGlite there is no NOTIFY to listen to: the in-process event bus wakes the runs this
 * process executes, and runs executed by a client of the embedded owner (through its socket)
 * are only seen by the fallback poll, which re-reads every followed run every `pollMs`.
 */
import type { RunEventBus } from '../../core/events.js';
import type { RunStatus } from '../../core/types.js';
import { listenForNotifications, type NotificationListener } from '../../daemon/notification-listener.js';
import { RUN_FINISHED_CHANNEL } from '../../daemon/queue-signals.js';
import { RUN_EVENTS_CHANNEL } from '../../daemon/run-event-announcer.js';
import type { Logger } from '../../logger.js';
import { isConnectionError, type StrataDatabase } from '../../storage/index.js';
import { readRunTail } from './read-run-tail.js';

const PAGE = 500;

/** A stored event, serialised once for every stream that sends it. */
export interface FedEvent {
  readonly id: number;
  readonly json: string;
}

export interface Follower {
  /** Id of the last event this follower has; only newer ones are delivered. */
  readonly after: number;
  /** Newer events, oldest first; `status` is the run's status once every event up to now was delivered. */
  update(events: readonly FedEvent[], status: RunStatus | undefined): void;
  /** The run is gone (purged) or cannot be read: end the stream. */
  end(error?: unknown): void;
}

export interface RunEventFeedStats {
  readonly followedRuns: number;
  readonly followers: number;
  /** Reads of a run's status and events, one per wake-up of a followed run (and per page). */
  readonly reads: number;
}

export interface RunEventFeed {
  /** Delivers the run's events after `follower.after`, at once and as they come; returns the function that stops. */
  follow(runId: string, follower: Follower): () => void;
  stats(): RunEventFeedStats;
  close(): Promise<void>;
}

export interface RunEventFeedOptions {
  readonly database: StrataDatabase;
  readonly logger: Logger;
  /** The in-process event bus: wakes runs this process executes where there is no NOTIFY (PGlite). */
  readonly events: RunEventBus;
  /** Every followed run is re-read this often when nothing woke it. */
  readonly pollMs: number;
}

interface Watched {
  readonly follower: Follower;
  last: number;
}

interface FollowedRun {
  readonly runId: string;
  readonly watchers: Set<Watched>;
  reading: boolean;
  again: boolean;
}

/**
 * On Postgres NOTIFY wakes every stream and a lost connection is caught up on reconnect, so the
 * poll only guards against a connection that died silently; on PGlite it is the only way to see
 * runs executed by a client of the embedded owner, so it stays as frequent as before.
 */
export function defaultRunEventPollMs(database: StrataDatabase): number {
  return database.pgPool === undefined ? 500 : 30_000;
}

export function createRunEventFeed({ database, logger, events, pollMs }: RunEventFeedOptions): RunEventFeed {
  const runs = new Map<string, FollowedRun>();
  const notifies = database.pgPool !== undefined;
  let reads = 0;
  let closed = false;
  let listening: Promise<NotificationListener> | undefined;
  let poll: NodeJS.Timeout | undefined;
  let unsubscribeBus: (() => void) | undefined;

  const readAll = (): void => {
    for (const run of runs.values()) void read(run);
  };

  /** Reads from the oldest position any follower holds, pages until now, then hands each follower what it lacks. */
  const read = async (run: FollowedRun): Promise<void> => {
    if (run.reading) {
      run.again = true;
      return;
    }
    run.reading = true;
    try {
      do {
        run.again = false;
        let after = Math.min(...[...run.watchers].map((watched) => watched.last));
        for (;;) {
          reads += 1;
          const tail = await readRunTail(database.db, run.runId, after, PAGE);
          if (tail === undefined) {
            for (const watched of [...run.watchers]) watched.follower.end();
            return;
          }
          const fed = tail.events.map((stored) => ({ id: stored.id, json: JSON.stringify(stored) }));
          const status = tail.hasMore ? undefined : tail.status;
          for (const watched of [...run.watchers]) {
            const fresh = fed.filter((event) => event.id > watched.last);
            watched.last = fresh.at(-1)?.id ?? watched.last;
            watched.follower.update(fresh, status);
          }
          after = fed.at(-1)?.id ?? after;
          if (!tail.hasMore || run.watchers.size === 0) break;
        }
      } while (run.again && run.watchers.size > 0);
    } catch (error) {
      // The database went away: the streams stay open; the reconnect (or the next poll) reads again.
      if (database.availability !== undefined && isConnectionError(error)) return;
      logger.warn({ err: error, runId: run.runId }, 'run event stream failed');
      for (const watched of [...run.watchers]) watched.follower.end(error);
    } finally {
      run.reading = false;
    }
  };

  /** `strata_run_events`: run ids, comma-separated; `strata_run_finished`: one run id. */
  const onNotification = (payload: string | undefined): void => {
    for (const runId of payload?.split(',') ?? []) {
      const run = runs.get(runId);
      if (run !== undefined) void read(run);
    }
  };

  const start = (): void => {
    poll = setInterval(readAll, pollMs);
    poll.unref();
    if (notifies) {
      listening = listenForNotifications(database, logger, {
        name: 'run event listener',
        channels: [RUN_EVENTS_CHANNEL, RUN_FINISHED_CHANNEL],
        onNotification: (message) => onNotification(message.payload),
        onConnected: readAll,
      });
    } else {
      unsubscribeBus = events.subscribe((event) => {
        const run = runs.get(event.runId);
        if (run !== undefined) void read(run);
      });
    }
  };
  // Nobody follows a run: UNLISTEN too, or every event written anywhere would still be sent here.
  const stop = async (): Promise<void> => {
    clearInterval(poll);
    poll = undefined;
    unsubscribeBus?.();
    unsubscribeBus = undefined;
    const listener = listening;
    listening = undefined;
    if (listener !== undefined) await (await listener).close();
  };

  return {
    follow(runId, follower) {
      if (closed) throw new Error('the run event feed is closed');
      if (runs.size === 0) start();
      let run = runs.get(runId);
      if (run === undefined) {
        run = { runId, watchers: new Set(), reading: false, again: false };
        runs.set(runId, run);
      }
      const watched: Watched = { follower, last: follower.after };
      const followed = run;
      followed.watchers.add(watched);
      void read(followed);
      return () => {
        followed.watchers.delete(watched);
        if (followed.watchers.size > 0 || runs.get(runId) !== followed) return;
        runs.delete(runId);
        if (runs.size === 0) void stop().catch((error: unknown) => logger.warn({ err: error }, 'run event listener did not close'));
      };
    },
    stats() {
      let followers = 0;
      for (const run of runs.values()) followers += run.watchers.size;
      return { followedRuns: runs.size, followers, reads };
    },
    async close() {
      closed = true;
      runs.clear();
      await stop();
    },
  };
}
