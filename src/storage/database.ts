/**
 * Opens the Strata database: Postgres when a URL is given, otherwise embedded PGlite
 * persisted under `<dataDir>/pglite`. Both go through kysely's PostgresDialect and return
 * the same JS types (see type-parsers.ts). Opening does not migrate; call migrateToLatest.
 */
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DatabaseAvailability } from './database-availability.js';
import { PglitePool } from './pglite-pool.js';
import { createPostgresPool } from './postgres-pool.js';
import type { Database } from './schema.js';
import { type SqlSessionRunner, pgliteSessionRunner, postgresSessionRunner } from './sql-session.js';
import { TEXT_PARSERS, pgTypeOverrides } from './type-parsers.js';

export type DatabaseEngine = 'postgres' | 'pglite';

export interface DatabaseLogger {
  info(message: string): void;
  /** A lost database connection (once per outage); default: info. */
  warn?(message: string): void;
}

export interface OpenDatabaseOptions {
  /** Postgres connection string; when absent, embedded PGlite. */
  readonly databaseUrl?: string | undefined;
  readonly dataDir: string;
  readonly logger?: DatabaseLogger;
  /** Postgres pool size (default 10). PGlite always has one connection. */
  readonly maxConnections?: number;
}

export interface StrataDatabase {
  readonly db: Kysely<Database>;
  readonly engine: DatabaseEngine;
  /** The underlying pool on Postgres, for what kysely cannot do (COPY via pg-copy-streams). */
  readonly pgPool?: pg.Pool;
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
  const dir = join(options.dataDir, 'pglite');
  const exists = await pathExists(join(dir, 'PG_VERSION'));
  if (exists) {
    options.logger?.info(`database: embedded PGlite at ${dir}`);
  } else {
    // initdb in WebAssembly takes from seconds to most of a minute: say why start-up is slow.
    options.logger?.info(`database: initialising a new embedded PGlite database at ${dir} (first start only, this can take a minute)`);
    await mkdir(dir, { recursive: true });
  }
  const pglite = await PGlite.create(dir, { parsers: TEXT_PARSERS });
  const pool = new PglitePool(pglite);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, engine: 'pglite', withSession: pgliteSessionRunner(pool), close: () => db.destroy() };
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
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
