/**
 * A transaction on one connection, with raw SQL and bulk COPY, for hand-written pipeline SQL
 * (sql/*.sql) that kysely's builder does not express: temp staging tables and COPY.
 * On Postgres (and to an embedded database's owner) the rows stream through pg-copy-streams; in
 * the embedded owner itself through PGlite's /dev/blob device.
 * Both run the same `COPY … FROM STDIN WITH (FORMAT csv)` statement.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { PostgresPoolClient } from 'kysely';
import { PgliteClient } from './pglite-pool.js';

export interface SqlSession {
  query<R = Record<string, unknown>>(sql: string, parameters?: readonly unknown[]): Promise<{ rows: R[]; rowCount: number }>;
  /** Runs `COPY table (cols) FROM STDIN WITH (FORMAT csv)` fed with CSV lines (sent to Postgres about 64 KiB a message); returns rows copied. */
  copyFrom(copySql: string, csvLines: Iterable<string> | AsyncIterable<string>): Promise<number>;
}

export type SqlSessionRunner = <T>(work: (session: SqlSession) => Promise<T>) => Promise<T>;

/** Postgres: one pooled client, BEGIN … COMMIT, ROLLBACK on any error. */
export function postgresSessionRunner(pool: pg.Pool): SqlSessionRunner {
  return async (work) => {
    const client = await pool.connect();
    return inTransaction(postgresSession(client), work, (error) => client.release(error));
  };
}

/**
 * The embedded database: in its owner, PGlite's single serialised connection (nothing else
 * interleaves with the transaction); in any other process, a `pg` connection to the owner.
 */
export function embeddedSessionRunner(pool: { connect(): Promise<PostgresPoolClient> }): SqlSessionRunner {
  return async (work) => {
    const client = await pool.connect();
    if (client instanceof PgliteClient) return inTransaction(pgliteSession(client), work, () => client.release());
    const remote = client as pg.PoolClient;
    return inTransaction(postgresSession(remote), work, (error) => remote.release(error));
  };
}

function postgresSession(client: pg.PoolClient): SqlSession {
  return {
    async query(sql, parameters = []) {
      const result = await client.query(sql, [...parameters]);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    },
    async copyFrom(copySql, csvLines) {
      const stream = client.query(copyFrom(copySql));
      await pipeline(Readable.from(inChunks(csvLines)), stream);
      return Number(stream.rowCount ?? 0);
    },
  };
}

function pgliteSession(client: PgliteClient): SqlSession {
  return {
    async query(sql, parameters = []) {
      const result = await client.query<Record<string, unknown>>(sql, parameters);
      return { rows: result.rows as never[], rowCount: Number(result.rowCount ?? 0) };
    },
    copyFrom: async (copySql, csvLines) => client.copyFrom(copySql, await joinLines(csvLines)),
  };
}

async function inTransaction<T>(
  session: SqlSession,
  work: (session: SqlSession) => Promise<T>,
  release: (error?: Error) => void,
): Promise<T> {
  let releaseError: Error | undefined;
  try {
    await session.query('BEGIN');
    const result = await work(session);
    await session.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await session.query('ROLLBACK');
    } catch (rollbackError) {
      // A connection that cannot roll back must not go back to the pool.
      releaseError = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw error;
  } finally {
    release(releaseError);
  }
}

/** PGlite reads COPY input from one in-memory blob. */
async function joinLines(lines: Iterable<string> | AsyncIterable<string>): Promise<string> {
  const parts: string[] = [];
  for await (const line of lines) parts.push(line);
  return parts.join('');
}

/** Lines are sent in chunks of about this many characters: one CopyData message per chunk. */
const COPY_CHUNK_CHARS = 64 * 1024;

/**
 * Many lines per chunk. One chunk per line made pg-copy-streams send a CopyData message (and a
 * stream write) per row, which cost about two thirds of the COPY's time (bench/results/load.md);
 * COPY sees the same bytes either way.
 */
async function* inChunks(lines: Iterable<string> | AsyncIterable<string>): AsyncGenerator<string> {
  let chunk = '';
  for await (const line of lines) {
    chunk += line;
    if (chunk.length >= COPY_CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}
