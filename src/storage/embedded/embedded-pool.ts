/**
 * The pool kysely drives on the embedded database, whoever owns it. The first process to take
 * the owner lock opens PGlite and serves it (mode `owner`); every other process connects to the
 * owner's socket with `pg` (mode `client`). When the owner stops, the next connection a client
 * asks for finds nobody there and the client takes the lock itself: some process always owns
 * the database while any Strata process on it runs, and never two.
 */
import { access, mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import pg from 'pg';
import { PglitePool } from '../pglite-pool.js';
import { TEXT_PARSERS, pgTypeOverrides } from '../type-parsers.js';
import { OWNER_SOCKET_PORT, type OwnerAddress, type OwnerLock, ownerAddress, tryLockOwnership } from './owner-lock.js';
import { type OwnerRecord, readOwnerRecord, removeOwnerRecord, writeOwnerRecord } from './owner-record.js';
import { type OwnerServer, startOwnerServer } from './owner-server.js';

export interface EmbeddedLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface EmbeddedPoolOptions {
  /** STRATA_DATA_DIR: the database is `<dataDir>/pglite`, the owner record beside it. */
  readonly dataDir: string;
  readonly logger: EmbeddedLogger;
  /** What this process runs, for the owner record (`strata start`). */
  readonly command: string;
  /** How long a client waits for an owner that holds the lock but does not answer yet (initdb can take a minute). */
  readonly ownerWaitMs: number;
}

export type EmbeddedRole = 'owner' | 'client';

type Mode =
  | { readonly role: 'owner'; readonly pool: PglitePool; readonly server: OwnerServer; readonly lock: OwnerLock }
  | { readonly role: 'client'; readonly pool: pg.Pool };

/** No owner answers on the socket although one holds the lock, for longer than `ownerWaitMs`. */
export class EmbeddedOwnerUnavailableError extends Error {
  readonly owner: OwnerRecord | undefined;

  constructor(pgliteDir: string, owner: OwnerRecord | undefined, waitedMs: number) {
    const who = owner === undefined ? 'another process' : `pid ${owner.pid} (${owner.command})`;
    super(`the embedded database at ${pgliteDir} is owned by ${who}, which did not answer within ${Math.round(waitedMs / 1000)} s; nothing was changed`);
    this.name = 'EmbeddedOwnerUnavailableError';
    this.owner = owner;
  }
}

export class EmbeddedPool implements PostgresPool {
  readonly #options: EmbeddedPoolOptions;
  readonly #pgliteDir: string;
  readonly #address: OwnerAddress;
  /** Undefined until acquired, and again after the owner this process was a client of went away. */
  #mode: Promise<Mode> | undefined;
  #acquiredBefore = false;
  #ended = false;

  private constructor(options: EmbeddedPoolOptions) {
    this.#options = options;
    this.#pgliteDir = join(options.dataDir, 'pglite');
    this.#address = ownerAddress(this.#pgliteDir);
  }

  /** Becomes the owner or a client of the embedded database under `dataDir`. */
  static async open(options: EmbeddedPoolOptions): Promise<EmbeddedPool> {
    await mkdir(join(options.dataDir, 'pglite'), { recursive: true });
    const pool = new EmbeddedPool(options);
    await pool.#currentMode();
    return pool;
  }

  /** `owner` while this process holds the lock and serves the database. */
  async role(): Promise<EmbeddedRole> {
    return (await this.#currentMode()).role;
  }

  /** The socket directory other processes connect to (`psql -h <dir>`). */
  get socketDir(): string {
    return this.#address.socketDir;
  }

  owner(): Promise<OwnerRecord | undefined> {
    return readOwnerRecord(this.#options.dataDir);
  }

  async connect(): Promise<PostgresPoolClient> {
    for (;;) {
      if (this.#ended) throw new Error('embedded database: the pool has ended');
      const current = this.#currentMode();
      const mode = await current;
      try {
        return await mode.pool.connect();
      } catch (error) {
        if (mode.role === 'owner' || !ownerGone(error)) throw error;
        // The owner went away: whoever asks first takes over (or finds the new owner).
        if (this.#mode === current) {
          this.#mode = undefined;
          void mode.pool.end().catch(() => {});
        }
      }
    }
  }

  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    const mode = await this.#mode?.catch(() => undefined);
    if (mode === undefined) return;
    if (mode.role === 'client') {
      await mode.pool.end();
      return;
    }
    await mode.server.close();
    await mode.pool.end();
    await removeOwnerRecord(this.#options.dataDir, process.pid);
    // Still under the lock, so no new owner's socket is in it yet; fails harmlessly if not empty.
    await rmdir(this.#address.socketDir).catch(() => {});
    await mode.lock.release();
  }

  /** The mode in force, or a new one being acquired; a failed acquisition is tried again next time. */
  #currentMode(): Promise<Mode> {
    if (this.#mode === undefined) {
      const acquiring = this.#acquire(this.#acquiredBefore);
      this.#acquiredBefore = true;
      this.#mode = acquiring;
      acquiring.catch(() => {
        if (this.#mode === acquiring) this.#mode = undefined;
      });
    }
    return this.#mode;
  }

  async #acquire(takingOver: boolean): Promise<Mode> {
    const started = Date.now();
    for (let attempt = 0; ; attempt += 1) {
      const lock = await tryLockOwnership(this.#address);
      if (lock !== undefined) return this.#becomeOwner(lock, takingOver);
      const client = await this.#tryClient();
      if (client !== undefined) {
        const owner = await this.owner();
        this.#options.logger.info(`database: embedded PGlite at ${this.#pgliteDir}, through its owner ${owner === undefined ? '' : `pid ${owner.pid} (${owner.command})`}`.trimEnd());
        return { role: 'client', pool: client };
      }
      if (Date.now() - started > this.#options.ownerWaitMs) {
        throw new EmbeddedOwnerUnavailableError(this.#pgliteDir, await this.owner(), Date.now() - started);
      }
      // The owner holds the lock but is still opening PGlite (or is on its way out).
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** Math.min(attempt, 5))));
    }
  }

  async #becomeOwner(lock: OwnerLock, takingOver: boolean): Promise<Mode> {
    const { dataDir, logger } = this.#options;
    try {
      if (takingOver) logger.warn(`database: the owner of the embedded database stopped; this process (pid ${process.pid}) owns it now`);
      const initialising = !(await hasData(this.#pgliteDir));
      logger.info(
        initialising
          ? `database: initialising a new embedded PGlite database at ${this.#pgliteDir} (first start only, this can take a minute)`
          : `database: embedded PGlite at ${this.#pgliteDir}`,
      );
      const pglite = await PGlite.create(this.#pgliteDir, { parsers: TEXT_PARSERS });
      const pool = new PglitePool(pglite);
      const server = await startOwnerServer(pool, this.#address.socketPath, logger);
      await writeOwnerRecord(dataDir, { pid: process.pid, command: this.#options.command, startedAt: new Date().toISOString(), socketDir: this.#address.socketDir });
      return { role: 'owner', pool, server, lock };
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /** A pool on the owner's socket, once one connection went through; undefined if nobody answers. */
  async #tryClient(): Promise<pg.Pool | undefined> {
    const pool = new pg.Pool({
      host: this.#address.socketDir,
      port: OWNER_SOCKET_PORT,
      user: 'postgres',
      database: 'postgres',
      max: 4,
      idleTimeoutMillis: 10_000,
      types: pgTypeOverrides,
    });
    // A connection dropped by a departing owner, idle or checked out, must not crash the
    // process: the query on it fails, and the next connect() finds the owner gone.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    try {
      const probe = await pool.connect();
      probe.release();
      return pool;
    } catch (error) {
      await pool.end().catch(() => {});
      if (ownerGone(error)) return undefined;
      throw error;
    }
  }
}

/** Nobody listens on the owner's socket (any more). */
function ownerGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ECONNREFUSED' || code === 'ENOENT';
}

async function hasData(pgliteDir: string): Promise<boolean> {
  try {
    await access(join(pgliteDir, 'PG_VERSION'));
    return true;
  } catch {
    return false;
  }
}

