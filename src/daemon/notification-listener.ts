/**
 * LISTEN on a dedicated pooled connection of a Postgres database, forwarding notifications to
 * a callback; reconnects after a lost connection, with backoff and at once when the pool sees
 * the database back (then `onConnected` runs, since notifications sent meanwhile are gone).
 * On PGlite there is nothing to listen to (one process, in-process buses): a no-op.
 */
import type pg from 'pg';
import { backoffDelay } from '../core/retry.js';
import type { Logger } from '../logger.js';
import { type StrataDatabase, isConnectionError } from '../storage/index.js';

export interface NotificationListener {
  close(): Promise<void>;
}

export interface ListenOptions {
  /** Channel names: literal identifiers (they are written into the LISTEN statement). */
  readonly channels: readonly string[];
  readonly onNotification: (message: pg.Notification) => void;
  /** After each (re)connection: wake whoever may have missed a notification. */
  readonly onConnected: () => void;
  /** Names the connection in log lines (`queue listener`). */
  readonly name: string;
}

/** From half a second, doubling to 10 s: a restarting server is not asked every second by every process. */
const RECONNECT_BACKOFF = { maxRetries: Number.POSITIVE_INFINITY, initialDelayMs: 500, factor: 2, maxDelayMs: 10_000, jitter: 0.2 };
const CHANNEL = /^[a-z_][a-z0-9_]*$/;

export async function listenForNotifications(database: StrataDatabase, logger: Logger, options: ListenOptions): Promise<NotificationListener> {
  const pool = database.pgPool;
  if (pool === undefined) return { close: async () => {} };
  for (const channel of options.channels) if (!CHANNEL.test(channel)) throw new Error(`not a channel name: '${channel}'`);
  let closed = false;
  let client: pg.PoolClient | undefined;
  let retry: NodeJS.Timeout | undefined;
  let attempts = 0;
  // The pool logs a lost database once per outage (postgres-pool.ts); this connection's part in it is detail.
  const warn = (error: unknown, message: string): void => {
    if (database.availability !== undefined && isConnectionError(error)) logger.debug({ err: error }, message);
    else logger.warn({ err: error }, message);
  };
  const onNotification = (message: pg.Notification): void => options.onNotification(message);
  const connect = async (): Promise<void> => {
    if (closed) return;
    let next: pg.PoolClient | undefined;
    try {
      next = await pool.connect();
      const listening = next;
      next.on('notification', onNotification);
      next.on('error', (error) => {
        warn(error, `${options.name} connection lost; reconnecting`);
        drop(listening, error);
        scheduleReconnect();
      });
      await next.query(options.channels.map((channel) => `LISTEN ${channel}`).join('; '));
      if (closed) {
        drop(next);
        return;
      }
      client = next;
      attempts = 0;
      options.onConnected();
    } catch (error) {
      warn(error, `${options.name} could not connect; polling until it does`);
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
