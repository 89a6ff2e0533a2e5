import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDatabase, createTestDatabase } from '../helpers/test-database.js';

describe('PGlite pool adapter', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('pglite_pool');
  });
  afterAll(async () => {
    await database?.destroy();
  });

  it('says which engine it is', () => {
    expect(database.engine).toBe('pglite');
    expect(database.pgPool).toBeUndefined();
  });

  it('runs parameterless multi-statement text and returns the last result', async () => {
    const result = await sql<{ n: number }>`create temp table multi (n int); insert into multi values (1), (2); select count(*) as n from multi`.execute(database.db);
    expect(result.rows).toEqual([{ n: 2 }]);
  });

  it('reports affected rows for parameterised writes', async () => {
    await sql`create table strata.affected (id int primary key)`.execute(database.db);
    const inserted = await database.db.insertInto('strata.affected' as never).values({ id: 1 } as never).executeTakeFirst();
    expect(inserted.numInsertedOrUpdatedRows).toBe(1n);
  });

  it('serialises transactions on its one connection', async () => {
    await sql`create table strata.counter (id int primary key, n int not null)`.execute(database.db);
    await sql`insert into strata.counter values (1, 0)`.execute(database.db);
    // Read-modify-write in a transaction: interleaving on a shared connection would lose updates.
    const increment = () =>
      database.db.transaction().execute(async (trx) => {
        const row = await sql<{ n: number }>`select n from strata.counter where id = ${1}`.execute(trx);
        await new Promise((resolve) => setImmediate(resolve));
        await sql`update strata.counter set n = ${(row.rows[0]?.n ?? 0) + 1} where id = ${1}`.execute(trx);
      });
    await Promise.all(Array.from({ length: 10 }, increment));
    const final = await sql<{ n: number }>`select n from strata.counter`.execute(database.db);
    expect(final.rows).toEqual([{ n: 10 }]);
  });

  it('rolls back a failed transaction and stays usable', async () => {
    await expect(
      database.db.transaction().execute(async (trx) => {
        await sql`insert into strata.counter values (${2}, ${0})`.execute(trx);
        await sql`select * from no_such_table`.execute(trx);
      }),
    ).rejects.toThrow(/no_such_table/);
    const rows = await sql<{ id: number }>`select id from strata.counter order by id`.execute(database.db);
    expect(rows.rows).toEqual([{ id: 1 }]);
  });

  it('supports what the daemon needs: advisory locks, ON CONFLICT, FOR UPDATE SKIP LOCKED', async () => {
    const lock = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${42}) as locked`.execute(database.db);
    expect(lock.rows).toEqual([{ locked: true }]);
    await sql`select pg_advisory_unlock(${42})`.execute(database.db);
    const upsert = await sql<{ n: number }>`insert into strata.counter values (${1}, ${5}) on conflict (id) do update set n = excluded.n returning n`.execute(database.db);
    expect(upsert.rows).toEqual([{ n: 5 }]);
    const claimed = await database.db.transaction().execute((trx) =>
      sql<{ id: number }>`select id from strata.counter order by id limit ${1} for update skip locked`.execute(trx),
    );
    expect(claimed.rows).toEqual([{ id: 1 }]);
  });
});
