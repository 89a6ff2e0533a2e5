/**
 * Gives PGlite the small `pg.Pool` shape that kysely's own PostgresDialect drives, so both
 * engines share one dialect, one query compiler and one migration adapter (with its
 * transactional DDL and advisory lock).
 *
 * Why not kysely-pglite-dialect: its 1.3 release declares PGlite <= 0.4 as peer and we run
 * 0.5; kysely-pglite pulls in a CLI framework. This file is the whole adapter, and it follows
 * kysely's PostgresDialect contract rather than PGlite's release cycle.
 *
 * PGlite is one single-user backend, so there is exactly ONE connection: `connect()` waits
 * until the previous client is released. That keeps a kysely transaction (BEGIN ... COMMIT on
 * one client) from interleaving with queries from elsewhere in the process.
 */
import type { PGlite, Results } from '@electric-sql/pglite';
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';

type KyselyCommand = PostgresQueryResult<unknown>['command'];
const ROW_COUNT_COMMANDS: ReadonlySet<string> = new Set<KyselyCommand>(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'SELECT']);

/** kysely only reads `command` to decide whether `rowCount` means "affected rows". */
function toKyselyCommand(command: string | undefined): KyselyCommand {
  const upper = (command ?? 'SELECT').toUpperCase();
  return ROW_COUNT_COMMANDS.has(upper) ? (upper as KyselyCommand) : 'SELECT';
}

function toQueryResult<R>(result: Results<R> | undefined): PostgresQueryResult<R> {
  if (result === undefined) return { command: 'SELECT', rowCount: 0, rows: [] };
  return {
    command: toKyselyCommand(result.command),
    rowCount: result.affectedRows ?? result.rows.length,
    rows: result.rows,
  };
}

export class PgliteClient implements PostgresPoolClient {
  readonly #pglite: PGlite;
  readonly #onRelease: () => void;
  #released = false;

  constructor(pglite: PGlite, onRelease: () => void) {
    this.#pglite = pglite;
    this.#onRelease = onRelease;
  }

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    sqlOrCursor: string | PostgresCursor<R>,
    parameters: ReadonlyArray<unknown> = [],
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sqlOrCursor !== 'string') {
      throw new Error('PGlite adapter: streaming with a cursor is not supported');
    }
    if (this.#released) throw new Error('PGlite adapter: query on a released client');
    return this.#run<R>(sqlOrCursor, parameters);
  }

  async #run<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    if (parameters.length === 0) {
      // The simple protocol accepts several statements (migration files); the result of
      // the last one is what a single-statement caller expects.
      const results = await this.#pglite.exec(sql);
      return toQueryResult(results.at(-1) as Results<R> | undefined);
    }
    return toQueryResult(await this.#pglite.query<R>(sql, [...parameters]));
  }

  /**
   * `COPY … FROM STDIN` for PGlite, which has no client stream: the same statement reads the
   * CSV text from PGlite's virtual `/dev/blob` device instead.
   */
  async copyFrom(copySql: string, csv: string | readonly Uint8Array[]): Promise<number> {
    if (this.#released) throw new Error('PGlite adapter: query on a released client');
    const sql = copySql.replace(/\bFROM\s+STDIN\b/i, "FROM '/dev/blob'");
    const result = await this.#pglite.query(sql, [], { blob: new Blob(typeof csv === 'string' ? [csv] : [...csv]) });
    return result.affectedRows ?? 0;
  }

  /**
   * One wire-protocol message from a client of the embedded owner (see embedded/owner-server.ts),
   * executed on this connection; the response bytes go to `onData` (copied: PGlite reuses its
   * buffer).
   */
  async execProtocolRaw(message: Uint8Array, onData: (bytes: Buffer) => void): Promise<void> {
    if (this.#released) throw new Error('PGlite adapter: query on a released client');
    await this.#pglite.runExclusive(() => this.#pglite.execProtocolRawStream(message, { onRawData: (bytes) => onData(Buffer.from(bytes)) }));
  }

  /** Inside BEGIN … COMMIT (an explicit transaction block). */
  inTransaction(): boolean {
    return this.#pglite.isInTransaction();
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#onRelease();
  }
}

export class PglitePool implements PostgresPool {
  readonly #pglite: PGlite;
  /** Settles when the most recently handed-out client is released. */
  #tail: Promise<void> = Promise.resolve();
  #ended = false;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  async connect(): Promise<PgliteClient> {
    if (this.#ended) throw new Error('PGlite adapter: pool has ended');
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.#tail;
    this.#tail = previous.then(() => released);
    await previous;
    return new PgliteClient(this.#pglite, release);
  }

  /** Waits for the client in use (if any) to be released, then closes PGlite. */
  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    await this.#tail;
    await this.#pglite.close();
  }
}
