/**
 * The Postgres pool in this process when the server ends its connections: idle ones, one in the
 * middle of a query, and connections refused while the database does not accept any. Nothing is
 * thrown outside the query that was cut (vitest fails a file on an uncaught error), availability
 * goes down once and comes back, and the next query works on a fresh connection.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type StrataDatabase } from '../../src/storage/index.js';
import { POSTGRES_SKIP_REASON, postgresTestUrl } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const describePostgres = postgresTestUrl() === undefined ? describe.skip : describe;
const title = postgresTestUrl() === undefined ? ` (skipped: ${POSTGRES_SKIP_REASON})` : '';

describePostgres(`postgres pool across lost connections [postgres]${title}`, () => {
  let database: TestDatabase;
  let admin: pg.Client;
  let name: string;
  const opened: StrataDatabase[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres_pool', { backend: 'postgres' });
    name = new URL(database.url ?? '').pathname.slice(1);
    admin = new pg.Client({ connectionString: postgresTestUrl() });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`).catch(() => {});
    await admin?.end();
    for (const other of opened) await other.close();
    await database?.destroy();
  });

  /** A database of its own (not the helper's), with its log lines. */
  const open = async (): Promise<StrataDatabase & { lines: string[] }> => {
    const lines: string[] = [];
    const other = await openDatabase({
      databaseUrl: database.url,
      dataDir: '/nonexistent',
      logger: { info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`) },
    });
    opened.push(other);
    return { ...other, lines };
  };
  const terminateAll = () => admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
  const sleeping = async () =>
    (await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'SELECT pg_sleep(30)%' AND state = 'active'", [name])).rows[0]?.n ?? 0;

  it('terminated mid-query and idle: the query fails, the process does not, one outage is logged and ends', async () => {
    const strata = await open();
    const { pgPool, availability, lines } = strata;
    // Three idle connections and one in the middle of a long query.
    await Promise.all([1, 2, 3].map(() => pgPool!.query('SELECT 1')));
    const cut = pgPool!.query('SELECT pg_sleep(30)');
    const outcome = cut.then(
      () => 'finished',
      (error: unknown) => (error as { code?: string }).code ?? String(error),
    );
    while ((await sleeping()) === 0) await new Promise((resolve) => setImmediate(resolve));
    // Every connection the server ends leaves the pool once its end has been read; a query sent
    // before that on a connection whose backend is still dying would meet the 57P01 instead.
    const connections = pgPool!.totalCount;
    let removed = 0;
    const allRemoved = new Promise<void>((resolve) =>
      pgPool!.on('remove', () => {
        removed += 1;
        if (removed === connections) resolve();
      }),
    );
    await terminateAll();

    expect(await outcome).toBe('57P01');
    await allRemoved;
    await availability!.whenAvailable();
    expect((await pgPool!.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(lines.filter((line) => line.includes('connection'))).toEqual([
      expect.stringMatching(/^warn database connection lost \(57P01 terminating connection due to administrator command\)/),
      expect.stringMatching(/^info database connection restored after/),
    ]);
  });

  it('connections refused before any is lost: availability goes down at the first failed connect and comes back when they are accepted', async () => {
    const strata = await open();
    const { db, availability, lines } = strata;
    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
    await terminateAll();
    await expect(db.selectFrom('strata.runs').select('id').execute()).rejects.toThrow(/not currently accepting connections/);
    expect(availability!.available).toBe(false);
    const back = availability!.whenAvailable();
    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
    await back;
    expect(await db.selectFrom('strata.runs').select('id').execute()).toEqual([]);
    expect(lines.filter((line) => line.startsWith('warn'))).toEqual([expect.stringMatching(/database connection lost \(55000 database ".*" is not currently accepting connections\)/)]);
  });
});
