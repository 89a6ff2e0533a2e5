/**
 * Wake-ups for workers: "a run was queued or a slot freed", "run X was asked to cancel" and
 * "a pool slot was freed".
 * In one process they travel on an in-process bus (the only path on PGlite); across processes
 * on Postgres LISTEN/NOTIFY, which the migration's trigger sends in the transaction that
 * queued, ended or canceled the run. Polling stays the fallback: a lost notification only
 * costs one poll interval.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../logger.js';
import type { StrataDatabase } from '../storage/index.js';
import { listenForNotifications, type NotificationListener } from './notification-listener.js';

export const RUN_QUEUED_CHANNEL = 'strata_run_queued';
export const RUN_FINISHED_CHANNEL = 'strata_run_finished';
export const RUN_CANCEL_CHANNEL = 'strata_run_cancel';
/** Sent by migration 0013's trigger when a pool slot is freed (payload: the pool). */
const POOL_SLOTS_CHANNEL = 'strata_pool_slots';

// Keyed by the kysely instance, so two databases in one process (tests) never cross.
const buses = new WeakMap<object, EventEmitter>();

function busFor(database: StrataDatabase): EventEmitter {
  let bus = buses.get(database.db);
  if (bus === undefined) {
    bus = new EventEmitter();
    bus.setMaxListeners(0);
    buses.set(database.db, bus);
  }
  return bus;
}

/** A run was queued or a run ended (room for another): claimers should look again. */
export function announceQueueChanged(database: StrataDatabase): void {
  busFor(database).emit('queue');
}

/** A run ended (any process, via NOTIFY): run-status sensors look at once rather than at their next interval. */
function announceRunFinished(database: StrataDatabase, runId: string): void {
  busFor(database).emit('finished', runId);
}

export function announceCancelRequested(database: StrataDatabase, runId: string): void {
  busFor(database).emit('cancel', runId);
}

/** A pool slot was freed here or (via NOTIFY) in another process: steps waiting for one look again. */
export function announcePoolSlotFreed(database: StrataDatabase): void {
  busFor(database).emit('pool');
}

/**
 * Wakes steps waiting for a pool slot: one was freed, or a run ended (the slots of a run the
 * monitor failed count no more). Returns the function that unsubscribes.
 */
export function onPoolSlotMaybeFree(database: StrataDatabase, listener: () => void): () => void {
  const bus = busFor(database);
  bus.on('pool', listener);
  bus.on('finished', listener);
  return () => {
    bus.off('pool', listener);
    bus.off('finished', listener);
  };
}

/** Returns the function that unsubscribes. */
export function onQueueChanged(database: StrataDatabase, listener: () => void): () => void {
  const bus = busFor(database);
  bus.on('queue', listener);
  return () => bus.off('queue', listener);
}

export function onCancelRequested(database: StrataDatabase, listener: (runId: string) => void): () => void {
  const bus = busFor(database);
  bus.on('cancel', listener);
  return () => bus.off('cancel', listener);
}

/** Run ends announced by NOTIFY (Postgres); in one process, listen to `runtime.events` too. */
export function onRunFinished(database: StrataDatabase, listener: (runId: string) => void): () => void {
  const bus = busFor(database);
  bus.on('finished', listener);
  return () => bus.off('finished', listener);
}

export type QueueListener = NotificationListener;

/**
 * On Postgres, LISTENs for queued, ended and canceled runs and freed pool slots, and forwards
 * them to the in-process bus (notification-listener.ts reconnects; after each connection
 * claimers and pool waiters are woken, since notifications sent meanwhile are gone). On PGlite there is nothing to listen to: one process, one bus.
 */
export function listenForQueueSignals(database: StrataDatabase, logger: Logger): Promise<QueueListener> {
  return listenForNotifications(database, logger, {
    name: 'queue listener',
    channels: [RUN_QUEUED_CHANNEL, RUN_FINISHED_CHANNEL, RUN_CANCEL_CHANNEL, POOL_SLOTS_CHANNEL],
    onNotification: (message) => {
      if (message.channel === POOL_SLOTS_CHANNEL) {
        announcePoolSlotFreed(database);
        return;
      }
      if (message.channel === RUN_CANCEL_CHANNEL && message.payload) {
        announceCancelRequested(database, message.payload);
        return;
      }
      if (message.channel === RUN_FINISHED_CHANNEL && message.payload) announceRunFinished(database, message.payload);
      announceQueueChanged(database);
    },
    onConnected: () => {
      announceQueueChanged(database);
      announcePoolSlotFreed(database);
    },
  });
}
