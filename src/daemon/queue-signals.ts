/**
 * Wake-ups for workers: "a run was queued or a slot freed" and "run X was asked to cancel".
 * In one process they travel on an in-process bus (the only path on PGlite); across processes
 * on Postgres LISTEN/NOTIFY, which the migration's trigger sends in the transaction that
 * queued, ended or canceled the run. Polling stays the fallback: a lost notification only
 * costs one poll interval.
 */
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { backoffDelay } from '../core/retry.js';
import type { Logger } from '../logger.js';
import { type StrataDatabase, isConnectionError } from '../storage/index.js';

export const RUN_QUEUED_CHANNEL = 'strata_run_queued';
export const RUN_FINISHED_CHANNEL = 'strata_run_finished';
export const RUN_CANCEL_CHANNEL = 'strata_run_cancel';

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

export interface QueueListener {
  close(): Promise<void>;
}

/** From half a second, doubling to 10 s: a restarting server is not asked every second by every worker. */
const RECONNECT_BACKOFF = { maxRetries: Number.POSITIVE_INFINITY, initialDelayMs: 500, factor: 2, maxDelayMs: 10_000, jitter: 0.2 };

/**
 * On Postgres, LISTENs on a dedicated pooled connection and forwards notifications to the
 * in-process bus; reconnects after a lost connection, with backoff and at once when the pool
 * sees the database back (and wakes claimers, since notifications sent meanwhile are gone).
 * On PGlite there is nothing to listen to: one process, one bus.
 */
export async function listenForQueueSignals(database: StrataDatabase, logger: Logger): Promise<QueueListener> {
  const pool = database.pgPool;
  if (pool === undefined) return { close: async () => {} };
  let closed = false;
  let client: pg.PoolClient | undefined;
  let retry: NodeJS.Timeout | undefined;
  let attempts = 0;
  // The pool logs a lost database once per outage (postgres-pool.ts); this connection's part in it is detail.
  const warn = (error: unknown, message: string): void => {
    if (database.availability !== undefined && isConnectionError(error)) logger.debug({ err: error }, message);
    else logger.warn({ err: error }, message);
  };

  const onNotification = (message: pg.Notification): void => {
    if (message.channel === RUN_CANCEL_CHANNEL && message.payload) {
      announceCancelRequested(database, message.payload);
      return;
    }
    if (message.channel === RUN_FINISHED_CHANNEL && message.payload) announceRunFinished(database, message.payload);
    announceQueueChanged(database);
  };
  const connect = async (): Promise<void> => {
    if (closed) return;
    let next: pg.PoolClient | undefined;
    try {
      next = await pool.connect();
      const listening = next;
      next.on('notification', onNotification);
      next.on('error', (error) => {
        warn(error, 'queue listener connection lost; reconnecting');
        drop(listening, error);
        scheduleReconnect();
      });
      await next.query(`LISTEN ${RUN_QUEUED_CHANNEL}; LISTEN ${RUN_FINISHED_CHANNEL}; LISTEN ${RUN_CANCEL_CHANNEL}`);
      if (closed) {
        drop(next);
        return;
      }
      client = next;
      attempts = 0;
      announceQueueChanged(database);
    } catch (error) {
      warn(error, 'queue listener could not connect; polling until it does');
      if (next !== undefined) drop(next, error instanceof Error ? error : new Error(String(error)));
      scheduleReconnect();
    }
  };
  const released = new WeakSet<pg.PoolClient>();
  const drop = (dropped: pg.PoolClient, error?: Error): void => {
    if (released.has(dropped)) return;
    released.add(dropped);
    dropped.removeListener('notification', onNotification);
    if (client === dropped) client = undefined;
    // A LISTENing connection must never go back to the pool for other queries: destroy it.
    dropped.release(error ?? true);
  };
  const scheduleReconnect = (): void => {
    if (closed || retry !== undefined) return;
    attempts += 1;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, backoffDelay(RECONNECT_BACKOFF, attempts, Math.random));
    retry.unref();
  };
  const unsubscribe = database.availability?.onChange((available) => {
    if (!available || closed || client !== undefined || retry === undefined) return;
    clearTimeout(retry);
    retry = undefined;
    void connect();
  });

  await connect();
  return {
    async close() {
      closed = true;
      unsubscribe?.();
      if (retry !== undefined) clearTimeout(retry);
      if (client !== undefined) drop(client);
    },
  };
}
