/**
 * Opens the Strata database: Postgres when a URL is given, otherwise embedded PGlite
 * persisted under `<dataDir>/pglite`, opened by one owner process and reached by every other
 * through the owner's socket (see embedded/embedded-pool.ts). Both go through kysely's PostgresDialect and return
 * the same JS types (see type-parsers.ts). Opening does not migrate; call migrateToLatest.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { EmbeddedPool } from './embedded/embedded-pool.js';
import type { DatabaseAvailability } from './database-availability.js';
import { createPostgresPool } from './postgres-pool.js';
import type { Database } from './schema.js';
import { type SqlSessionRunner, embeddedSessionRunner, postgresSessionRunner } from './sql-session.js';
import { pgTypeOverrides } from './type-parsers.js';

export type DatabaseEngine = 'postgres' | 'pglite';

export interface DatabaseLogger {
  info(message: string): void;
  /** Warnings: a lost database connection (once per outage), a takeover of the embedded database; default: info. */
  warn?(message: string): void;
}

export interface OpenDatabaseOptions {
  /** Postgres connection string; when absent, embedded PGlite. */
  readonly databaseUrl?: string | undefined;
  readonly dataDir: string;
  readonly logger?: DatabaseLogger;
  /** Postgres pool size (default 10). PGlite always has one connection. */
  readonly maxConnections?: number;
  /** Embedded: what this process runs, recorded while it owns the database (`strata start`). */
  readonly command?: string;
  /** Embedded: how long to wait for an owner that holds the lock but does not answer yet (default 120 s). */
  readonly ownerWaitMs?: number;
}

export interface StrataDatabase {
  readonly db: Kysely<Database>;
  readonly engine: DatabaseEngine;
  /** The underlying pool on Postgres, for what kysely cannot do (COPY via pg-copy-streams). */
  readonly pgPool?: pg.Pool;
  /** Embedded only: whether this process owns the database or reaches it through its owner. */
  readonly embedded?: EmbeddedPool;
  /** Postgres: whether the server answers now (see postgres-pool.ts); absent means always (PGlite). */
  readonly availability?: DatabaseAvailability;
  /** A transaction with raw SQL and COPY, for the pipeline's hand-written SQL. */
  readonly withSession: SqlSessionRunner;
  /** Closes the pool or PGlite; waits for the query in flight. */
  close(): Promise<void>;
}

/**
 * @example
 * const { db, engine, close } = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
 * await migrateToLatest(db);
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<StrataDatabase> {
  return options.databaseUrl === undefined ? openPglite(options) : openPostgres(options.databaseUrl, options);
}

function openPostgres(databaseUrl: string, options: OpenDatabaseOptions): StrataDatabase {
  const { pool, availability } = createPostgresPool({ connectionString: databaseUrl, types: pgTypeOverrides, max: options.maxConnections ?? 10, logger: options.logger });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  options.logger?.info(`database: Postgres at ${redactUrl(databaseUrl)}`);
  // kysely's destroy() ends the pool it was given.
  const close = async () => {
    availability.close();
    await db.destroy();
  };
  return { db, engine: 'postgres', pgPool: pool, availability, withSession: postgresSessionRunner(pool), close };
}

async function openPglite(options: OpenDatabaseOptions): Promise<StrataDatabase> {
  const logger = options.logger;
  const pool = await EmbeddedPool.open({
    dataDir: options.dataDir,
    command: options.command ?? 'strata',
    ownerWaitMs: options.ownerWaitMs ?? 120_000,
    logger: { info: (message) => logger?.info(message), warn: (message) => (logger?.warn ?? logger?.info)?.(message) },
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const close = async () => {
    await db.destroy();
    // kysely ends its pool only if a query ever ran; the owner must give up the lock regardless.
    await pool.end();
  };
  return { db, engine: 'pglite', embedded: pool, withSession: embeddedSessionRunner(pool), close };
}

/** Never log a password. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
