/**
 * The embedded owner serves its PGlite database to the other Strata processes on a local socket,
 * so they connect with `pg` exactly as they would to Postgres.
 *
 * PGlite is one backend with one session, so connections take turns: a connection holds the
 * session (a client of the owner's PglitePool, the same queue the owner's own queries wait in)
 * from its first message until a ReadyForQuery says the session is idle again. A transaction,
 * an extended-protocol sequence (Parse … Sync) or a COPY therefore never interleaves with
 * anybody else's queries, in this process or another. A connection that closes while it holds
 * the session has its sequence ended and its transaction rolled back before the next one runs.
 *
 * PGlite cannot read COPY FROM STDIN data from a socket, so the owner answers that itself: it
 * collects the CopyData messages and runs the same COPY from PGlite's /dev/blob device.
 */
import { rm } from 'node:fs/promises';
import { type Server, type Socket, createServer } from 'node:net';
import type { PgliteClient, PglitePool } from '../pglite-pool.js';
import {
  FrontendMessageReader,
  ReadyForQueryTracker,
  SYNC_MESSAGE,
  commandComplete,
  copyInResponse,
  errorResponse,
  queryText,
  readyForQuery,
  simpleQuery,
  type FrontendMessage,
} from './wire-messages.js';

export interface OwnerServerLogger {
  warn(message: string): void;
}

export interface OwnerServer {
  /** Connections open now. */
  connections(): number;
  /** Stops accepting, closes every connection (rolling back what they left open). */
  close(): Promise<void>;
}

const COPY_FROM_STDIN = /^\s*COPY\b[\s\S]*\bFROM\s+STDIN\b/i;

export async function startOwnerServer(pool: PglitePool, socketPath: string, logger: OwnerServerLogger): Promise<OwnerServer> {
  const open = new Set<RemoteConnection>();
  const server: Server = createServer((socket) => {
    const connection = new RemoteConnection(socket, pool, logger);
    open.add(connection);
    socket.once('close', () => open.delete(connection));
  });
  // Only the lock holder gets here, so a socket file at this path is a dead owner's.
  await rm(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => logger.warn(`embedded database socket: ${error.message}`));
  return {
    connections: () => open.size,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...open].map((connection) => connection.close()));
      await closed;
    },
  };
}

class RemoteConnection {
  readonly #socket: Socket;
  readonly #pool: PglitePool;
  readonly #logger: OwnerServerLogger;
  readonly #reader = new FrontendMessageReader();
  readonly #status = new ReadyForQueryTracker();
  /** The owner's one session, while this connection holds it. */
  #session: PgliteClient | undefined;
  /** Data of a COPY FROM STDIN in progress. */
  #copy: { sql: string; chunks: Buffer[] } | undefined;
  /** Messages are handled one after another, in the order they arrived. */
  #work: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(socket: Socket, pool: PglitePool, logger: OwnerServerLogger) {
    this.#socket = socket;
    this.#pool = pool;
    this.#logger = logger;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', () => socket.destroy());
    socket.once('close', () => {
      void this.close();
    });
  }

  /** Ends this connection's turn: what it left half done is undone, then the session is free. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#socket.destroy();
      this.#work = this.#work.then(() => this.#giveBackSession(), () => this.#giveBackSession());
    }
    return this.#work;
  }

  #receive(chunk: Buffer): void {
    let messages: FrontendMessage[];
    try {
      messages = this.#reader.push(chunk);
    } catch (error) {
      this.#logger.warn(`embedded database socket: dropped a client: ${(error as Error).message}`);
      void this.close();
      return;
    }
    if (messages.length === 0) return;
    this.#work = this.#work.then(async () => {
      for (const message of messages) {
        if (this.#closed) return;
        await this.#handle(message);
      }
    });
    this.#work.catch((error: unknown) => {
      this.#logger.warn(`embedded database socket: dropped a client: ${(error as Error).message}`);
      void this.close();
    });
  }

  async #handle(message: FrontendMessage): Promise<void> {
    switch (message.kind) {
      case 'ssl-request':
        this.#socket.write('N');
        return;
      case 'cancel-request':
        // One backend has nothing to signal: the query in flight finishes.
        this.#socket.end();
        return;
      case 'startup':
        return this.#execute(message.bytes);
      case 'typed':
        return this.#handleTyped(message.type, message.body, message.bytes);
    }
  }

  async #handleTyped(type: string, body: Buffer, bytes: Buffer): Promise<void> {
    if (this.#copy !== undefined) return this.#continueCopy(type, body);
    if (type === 'X') {
      await this.close();
      return;
    }
    if (type === 'Q' && COPY_FROM_STDIN.test(queryText(body))) {
      await this.#takeSession();
      this.#copy = { sql: queryText(body), chunks: [] };
      this.#socket.write(copyInResponse());
      return;
    }
    return this.#execute(bytes);
  }

  async #execute(bytes: Buffer): Promise<void> {
    const session = await this.#takeSession();
    await session.execProtocolRaw(bytes, (response) => {
      this.#status.push(response);
      if (!this.#closed) this.#socket.write(response);
    });
    if (this.#status.status === 'I') this.#releaseSession();
  }

  async #continueCopy(type: string, body: Buffer): Promise<void> {
    const copy = this.#copy;
    if (copy === undefined) return;
    if (type === 'd') {
      copy.chunks.push(body);
      return;
    }
    // Flush and Sync mean nothing during COPY; anything else ends it.
    if (type === 'H' || type === 'S') return;
    this.#copy = undefined;
    const session = await this.#takeSession();
    const wasInTransaction = session.inTransaction();
    let reply: Buffer;
    try {
      if (type !== 'c') throw Object.assign(new Error(type === 'f' ? `COPY from stdin failed: ${queryText(body)}` : `unexpected message '${type}' during COPY`), { code: '57014' });
      const rows = await session.copyFrom(copy.sql, copy.chunks);
      reply = Buffer.concat([commandComplete(`COPY ${rows}`), readyForQuery(session.inTransaction() ? 'T' : 'I')]);
    } catch (error) {
      const failure = error as { code?: string; message: string };
      reply = Buffer.concat([errorResponse({ code: failure.code, message: failure.message }), readyForQuery(wasInTransaction ? 'E' : 'I')]);
    }
    this.#status.push(reply);
    if (!this.#closed) this.#socket.write(reply);
    if (this.#status.status === 'I') this.#releaseSession();
  }

  async #takeSession(): Promise<PgliteClient> {
    this.#session ??= await this.#pool.connect();
    return this.#session;
  }

  #releaseSession(): void {
    this.#session?.release();
    this.#session = undefined;
  }

  async #giveBackSession(): Promise<void> {
    const session = this.#session;
    if (session === undefined) return;
    this.#copy = undefined;
    try {
      // End an extended-protocol sequence left half-sent, then any open transaction.
      await session.execProtocolRaw(SYNC_MESSAGE, () => {});
      if (session.inTransaction()) await session.execProtocolRaw(simpleQuery('ROLLBACK'), () => {});
    } catch (error) {
      this.#logger.warn(`embedded database socket: could not roll back a closed client's transaction: ${(error as Error).message}`);
    } finally {
      this.#releaseSession();
    }
  }
}
