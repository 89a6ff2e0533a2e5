/**
 * The embedded owner's contract, in one process: the first opener owns the data directory and
 * serves it; later openers are clients through its socket. Sessions never interleave (a remote
 * transaction is invisible to the owner's own queries until it commits), COPY FROM STDIN works
 * through the socket, a client that vanishes mid-transaction is rolled back, a client takes over
 * when the owner closes, and an owner that holds the lock but never answers is named.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { ownerAddress, tryLockOwnership } from '../../src/storage/embedded/owner-lock.js';
import { writeOwnerRecord } from '../../src/storage/embedded/owner-record.js';
import { EmbeddedOwnerUnavailableError, openDatabase, type StrataDatabase } from '../../src/storage/index.js';

describe('embedded database: one owner, clients through its socket', () => {
  let dataDir: string;
  const opened: StrataDatabase[] = [];

  const open = async (ownerWaitMs?: number) => {
    const database = await openDatabase({ dataDir, ...(ownerWaitMs === undefined ? {} : { ownerWaitMs }) });
    opened.push(database);
    return database;
  };
  const count = async (database: StrataDatabase) =>
    (await sql<{ n: number }>`SELECT count(*)::int AS n FROM public.owner_test`.execute(database.db)).rows[0]?.n;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'strata-embedded-'));
    await cp(inject('pgliteTemplate'), join(dataDir, 'pglite'), { recursive: true });
  });
  afterEach(async () => {
    for (const database of opened.splice(0).reverse()) await database.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('the first opener owns the directory, the second is its client, and both see one database', async () => {
    const owner = await open();
    const client = await open();
    expect(await owner.embedded?.role()).toBe('owner');
    expect(await client.embedded?.role()).toBe('client');
    expect(await tryLockOwnership(ownerAddress(join(dataDir, 'pglite')))).toBeUndefined();
    expect((await client.embedded?.owner())?.pid).toBe(process.pid);

    await sql`CREATE TABLE public.owner_test (id int PRIMARY KEY, label text)`.execute(client.db);
    await sql`INSERT INTO public.owner_test VALUES (${1}, ${'from the client'})`.execute(client.db);
    await sql`INSERT INTO public.owner_test VALUES (${2}, ${'from the owner'})`.execute(owner.db);
    expect(await count(owner)).toBe(2);
    expect(await count(client)).toBe(2);
  });

  it("a client's transaction never interleaves with the owner's queries", async () => {
    const owner = await open();
    const client = await open();
    await sql`CREATE TABLE public.owner_test (id int PRIMARY KEY, label text)`.execute(owner.db);
    const order: string[] = [];
    let ownerRead: Promise<number | undefined> | undefined;
    await client.db.transaction().execute(async (trx) => {
      await sql`INSERT INTO public.owner_test VALUES (1, 'uncommitted')`.execute(trx);
      ownerRead = count(owner).then((n) => {
        order.push('owner read');
        return n;
      });
      await sql`UPDATE public.owner_test SET label = 'committed'`.execute(trx);
      order.push('client commits');
    });
    expect(await ownerRead).toBe(1);
    expect(order).toEqual(['client commits', 'owner read']);

    await expect(
      client.db.transaction().execute(async (trx) => {
        await sql`INSERT INTO public.owner_test VALUES (2, 'rolled back')`.execute(trx);
        throw new Error('abandon');
      }),
    ).rejects.toThrow('abandon');
    expect(await count(owner)).toBe(1);
  });

  it('concurrent parameterised queries from the owner and two clients each get their own answer', async () => {
    const databases = [await open(), await open(), await open()];
    const answers = await Promise.all(
      Array.from({ length: 90 }, async (_, i) => {
        const database = databases[i % 3] as StrataDatabase;
        const result =
          i % 2 === 0
            ? await sql<{ a: number; b: string }>`SELECT ${i}::int AS a, ${`text ${i}`}::text AS b`.execute(database.db)
            : await sql<{ a: number; b: string }>`SELECT ${`text ${i}`}::text AS b, 0 AS z, ${i}::int AS a`.execute(database.db);
        return result.rows[0];
      }),
    );
    answers.forEach((row, i) => expect(row).toMatchObject({ a: i, b: `text ${i}` }));
  });

  it('COPY FROM STDIN works through the socket, and a bad COPY leaves the session usable', async () => {
    await open();
    const client = await open();
    await sql`CREATE TABLE public.owner_test (id int PRIMARY KEY, label text)`.execute(client.db);
    const copied = await client.withSession((session) => session.copyFrom('COPY public.owner_test (id, label) FROM STDIN WITH (FORMAT csv)', ['1,plain\n', '2,"with, comma"\n']));
    expect(copied).toBe(2);
    await expect(client.withSession((session) => session.copyFrom('COPY public.owner_test (id, label) FROM STDIN WITH (FORMAT csv)', ['not a number,x\n']))).rejects.toThrow(
      /invalid input syntax for type integer/,
    );
    const rows = await sql<{ id: number; label: string }>`SELECT id, label FROM public.owner_test ORDER BY id`.execute(client.db);
    expect(rows.rows).toEqual([
      { id: 1, label: 'plain' },
      { id: 2, label: 'with, comma' },
    ]);
  });

  it('a client that vanishes mid-transaction is rolled back and frees the database', async () => {
    const owner = await open();
    await sql`CREATE TABLE public.owner_test (id int PRIMARY KEY, label text)`.execute(owner.db);
    const raw = new pg.Client({ host: owner.embedded?.socketDir, port: 5432, user: 'postgres', database: 'postgres' });
    raw.on('error', () => {});
    await raw.connect();
    await raw.query('BEGIN');
    await raw.query("INSERT INTO public.owner_test VALUES (1, 'never committed')");
    const ownerRead = count(owner);
    (raw as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    expect(await ownerRead).toBe(0);
  });

  it('when the owner closes, a client takes the database over and keeps every row', async () => {
    const owner = await open();
    const client = await open();
    await sql`CREATE TABLE public.owner_test (id int PRIMARY KEY, label text)`.execute(client.db);
    await sql`INSERT INTO public.owner_test VALUES (1, 'before the handover')`.execute(client.db);
    await owner.close();
    opened.splice(opened.indexOf(owner), 1);
    expect(await count(client)).toBe(1);
    expect(await client.embedded?.role()).toBe('owner');
    const third = await open();
    expect(await third.embedded?.role()).toBe('client');
    expect(await count(third)).toBe(1);
  });

  it('an owner that holds the lock but never answers is named, and the opener gives up', async () => {
    const lock = await tryLockOwnership(ownerAddress(join(dataDir, 'pglite')));
    expect(lock).toBeDefined();
    await writeOwnerRecord(dataDir, { pid: 4242, command: 'strata start', startedAt: '2026-12-03T00:00:00Z', socketDir: '/nowhere' });
    try {
      const failure = await open(300).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(EmbeddedOwnerUnavailableError);
      expect((failure as Error).message).toMatch(/^the embedded database at .*pglite is owned by pid 4242 \(strata start\), which did not answer within \d+ s; nothing was changed$/);
    } finally {
      await lock?.release();
    }
  });
});
