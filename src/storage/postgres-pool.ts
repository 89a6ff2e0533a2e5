/**
 * The pg pool behind a Postgres StrataDatabase, wired so that no lost connection can kill the
 * process: a server restart, a failover or `pg_terminate_backend` makes every connection emit
 * 'error' (idle ones through the pool, checked-out ones on the client), and an unheard 'error'
 * event is an uncaught exception in Node. Every connection here has a listener that reports to
 * the availability tracker, which logs the outage once and probes with backoff until a query
 * succeeds. pg itself opens fresh connections for the next queries; nothing needs rebuilding.
 */
import pg from 'pg';
import { type AvailabilityTracker, createAvailabilityTracker } from './database-availability.js';

export interface PostgresPoolOptions {
  readonly connectionString: string;
  readonly max: number;
  readonly types: pg.CustomTypesConfig;
  /** Where the outage's two lines go; without `warn`, both go to `info`. */
  readonly logger?: { info(message: string): void; warn?(message: string): void } | undefined;
}

export interface PostgresPool {
  readonly pool: pg.Pool;
  readonly availability: AvailabilityTracker;
}

type ConnectCallback = (error: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void;

/** Reports connections that cannot be opened: a restarting server refuses them before any is lost. */
class ReportingPool extends pg.Pool {
  onConnectFailed: (error: unknown) => void = () => {};

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    if (callback !== undefined) {
      super.connect((error, client, done) => {
        if (error !== undefined && !this.ending) this.onConnectFailed(error);
        callback(error, client, done);
      });
      return;
    }
    return super.connect().catch((error: unknown) => {
      if (!this.ending) this.onConnectFailed(error);
      throw error;
    });
  }
}

export function createPostgresPool(options: PostgresPoolOptions): PostgresPool {
  const pool = new ReportingPool({
    connectionString: options.connectionString,
    types: options.types,
    max: options.max,
    // A failover can leave sockets that never answer: TCP keep-alive lets the kernel notice the dead peer.
    // (No connectionTimeoutMillis: pg applies it to waiting for a free slot too, which is no outage.)
    keepAlive: true,
  });
  const log = options.logger;
  const availability = createAvailabilityTracker({
    probe: async () => {
      if (!pool.ending) await pool.query('SELECT 1');
    },
    logger: log && { info: (message) => log.info(message), warn: (message) => (log.warn ? log.warn(message) : log.info(message)) },
  });
  // The outage count when each connection opened: its error after that outage ended is a straggler.
  const openedDuring = new WeakMap<pg.PoolClient, number>();
  const lost = (client: pg.PoolClient, error: unknown): void => {
    if (pool.ending) return;
    if ((openedDuring.get(client) ?? 0) < availability.outages) return;
    availability.lost(error);
  };
  pool.onConnectFailed = (error) => availability.lost(error);
  pool.on('connect', (client) => {
    openedDuring.set(client, availability.outages);
    client.on('error', (error) => lost(client, error));
  });
  // Idle connections report here too (after the client listener above): the same outage.
  pool.on('error', (error, client) => lost(client, error));
  return { pool, availability };
}
