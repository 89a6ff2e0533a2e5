/**
 * An embedded PGlite database that lives in memory only: nothing on disk, no owner lock, no
 * socket, gone when closed. For one process that needs a throwaway database, such as a
 * project's tests (`strata/testing`). Same dialect, type parsers and SQL sessions as the
 * persisted embedded database (database.ts), so assets see no difference.
 *
 * Creating one runs initdb in WebAssembly: about 11 s on a loaded two-core machine.
 */
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import type { StrataDatabase } from './database.js';
import { PglitePool } from './pglite-pool.js';
import type { Database } from './schema.js';
import { embeddedSessionRunner } from './sql-session.js';
import { TEXT_PARSERS } from './type-parsers.js';

export async function openMemoryDatabase(): Promise<StrataDatabase> {
  const pool = new PglitePool(await PGlite.create({ parsers: TEXT_PARSERS }));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const close = async () => {
    await db.destroy();
    // kysely ends its pool only if a query ever ran.
    await pool.end();
  };
  return { db, engine: 'pglite', withSession: embeddedSessionRunner(pool), close };
}
