/**
 * A fresh, migrated database per test file (or per describe block).
 *
 * - PGlite: a copy of the migrated template data directory that tests/global-setup.ts
 *   builds once per `vitest` run. Creating a PGlite from scratch runs initdb (seconds to a
 *   minute); copying a data directory and opening it is much cheaper.
 * - Postgres: `CREATE DATABASE strata_test_<random>` on TEST_DATABASE_URL's server, migrated,
 *   dropped by `destroy()`.
 *
 * The template holds the core migrations only. Tests that need more (the pipeline's
 * silver/gold DDL) pass `migrations`, which run on the copy: sql-file migrations are fast,
 * and the template never has to know about the pipeline.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { type MigrateOptions, type StrataDatabase, migrateToLatest, openDatabase } from '../../src/storage/index.js';
import { POSTGRES_SKIP_REASON, type TestBackendName, postgresTestUrl } from './test-backends.js';

export interface TestDatabase extends StrataDatabase {
  /** The connection string on Postgres, so a test can open a second pool; undefined on PGlite. */
  readonly url: string | undefined;
  /** Closes and deletes the database (PGlite copy or Postgres database). */
  destroy(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /** Default 'pglite'. */
  readonly backend?: TestBackendName;
  /** Extra migrations to run after the core ones, e.g. the pipeline's sql-file migrations. */
  readonly migrations?: readonly MigrateOptions[];
  /**
   * Postgres only: leave the database empty (no core migrations), for migration tests.
   * The PGlite template is always migrated.
   */
  readonly migrate?: boolean;
}

/** @param name short label used in the temp dir / database name, to spot leftovers. */
export async function createTestDatabase(name: string, options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const backend = options.backend ?? 'pglite';
  const database = backend === 'pglite' ? await copyPgliteTemplate(name) : await createPostgresDatabase(name, options.migrate ?? true);
  try {
    for (const migration of options.migrations ?? []) await migrateToLatest(database.db, migration);
  } catch (error) {
    await database.destroy();
    throw error;
  }
  return database;
}

function safeLabel(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 30);
}

async function copyPgliteTemplate(name: string): Promise<TestDatabase> {
  const template = inject('pgliteTemplate');
  const dataDir = await mkdtemp(join(tmpdir(), `strata-test-${safeLabel(name)}-`));
  await cp(template, join(dataDir, 'pglite'), { recursive: true });
  const database = await openDatabase({ dataDir });
  return {
    ...database,
    url: undefined,
    async destroy() {
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function createPostgresDatabase(name: string, migrate: boolean): Promise<TestDatabase> {
  const serverUrl = postgresTestUrl();
  if (serverUrl === undefined) throw new Error(`Postgres test database requested but ${POSTGRES_SKIP_REASON}`);
  const databaseName = `strata_test_${safeLabel(name)}_${randomBytes(4).toString('hex')}`;
  // The name is generated from [a-z0-9_] only, so quoting it is enough.
  await adminQuery(serverUrl, `CREATE DATABASE "${databaseName}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${databaseName}`;
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: tmpdir() });
  const destroy = async () => {
    await database.close();
    await dropDatabase(serverUrl, databaseName);
  };
  try {
    if (migrate) await migrateToLatest(database.db);
  } catch (error) {
    await destroy();
    throw error;
  }
  return { ...database, url: url.toString(), destroy };
}

/**
 * pg's pool.end() resolves before its sockets have closed, and `DROP ... WITH (FORCE)`
 * would then kill a connection that still has no error listener (an uncaught error). So
 * wait, briefly, for the server to see the database's connections go, and force only after.
 */
async function dropDatabase(serverUrl: string, databaseName: string): Promise<void> {
  await withAdminClient(serverUrl, async (client) => {
    for (let tries = 0; tries < 50; tries += 1) {
      const open = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [databaseName]);
      if (open.rows[0]?.n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await client.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
  });
}

async function adminQuery(serverUrl: string, text: string): Promise<void> {
  await withAdminClient(serverUrl, (client) => client.query(text));
}

async function withAdminClient<T>(serverUrl: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
