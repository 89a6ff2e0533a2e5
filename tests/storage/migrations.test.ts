import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MigrationError, coreMigrationProvider, getRun, migrateToLatest, openDatabase, sqlFileMigrationProvider } from '../../src/storage/index.js';
import { describeEachBackend, postgresTestUrl, POSTGRES_SKIP_REASON } from '../helpers/test-backends.js';
import { type TestDatabase, createTestDatabase } from '../helpers/test-database.js';

async function tableNames(database: TestDatabase, schema: string): Promise<string[]> {
  const result = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = ${schema} order by table_name`.execute(database.db);
  return result.rows.map((row) => row.table_name);
}

describeEachBackend('migrations', (backend) => {
  let database: TestDatabase;
  let sqlDir: string;

  beforeAll(async () => {
    database = await createTestDatabase('migrations', { backend });
    sqlDir = await mkdtemp(join(tmpdir(), 'strata-sql-migrations-'));
    await writeFile(join(sqlDir, '0001_silver.sql'), 'CREATE SCHEMA silver;\nCREATE TABLE silver.t (id int PRIMARY KEY, v numeric);\n-- a comment\nINSERT INTO silver.t VALUES (1, 1.5);');
    await writeFile(join(sqlDir, '0002_gold.sql'), 'CREATE SCHEMA gold; CREATE VIEW gold.v AS SELECT id, v * 2 AS v2 FROM silver.t;');
    await writeFile(join(sqlDir, 'README.md'), 'not a migration');
  });
  afterAll(async () => {
    await database?.destroy();
    if (sqlDir !== undefined) await rm(sqlDir, { recursive: true, force: true });
  });

  it('has the core tables, and running the migrations again changes nothing', async () => {
    const before = await tableNames(database, 'strata');
    expect(before).toEqual(expect.arrayContaining(['runs', 'steps', 'events', 'materializations', 'strata_migrations']));
    expect(await migrateToLatest(database.db)).toEqual({ ran: [] });
    expect(await tableNames(database, 'strata')).toEqual(before);
  });

  it('runs a folder of .sql files as migrations under their own table', async () => {
    const pipeline = { provider: sqlFileMigrationProvider(sqlDir), tableName: 'pipeline_migrations' };
    expect(await migrateToLatest(database.db, pipeline)).toEqual({ ran: ['0001_silver', '0002_gold'] });
    expect(await migrateToLatest(database.db, pipeline)).toEqual({ ran: [] });
    const rows = await sql<{ v2: string }>`select v2 from gold.v`.execute(database.db);
    expect(rows.rows).toEqual([{ v2: '3.0' }]);
    expect(await tableNames(database, 'strata')).toContain('pipeline_migrations');
  });

  it('names the failed migration and rolls it back', async () => {
    const badDir = await mkdtemp(join(tmpdir(), 'strata-bad-migrations-'));
    try {
      await writeFile(join(badDir, '0001_ok.sql'), 'CREATE TABLE strata.bad_ok (id int);');
      await writeFile(join(badDir, '0002_broken.sql'), 'CREATE TABLE strata.bad_broken (id int); SELECT * FROM no_such_table;');
      const error = await migrateToLatest(database.db, { provider: sqlFileMigrationProvider(badDir), tableName: 'bad_migrations' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect(error).toMatchObject({ code: 'MIGRATION_FAILED', migrationName: '0002_broken' });
      expect(String((error as Error).message)).toMatch(/migration 0002_broken failed: .*no_such_table/);
      // One transaction for the whole batch: nothing of it is left behind.
      expect(await tableNames(database, 'strata')).not.toContain('bad_broken');
      expect(await tableNames(database, 'strata')).not.toContain('bad_ok');
    } finally {
      await rm(badDir, { recursive: true, force: true });
    }
  });
});

const describePostgres = postgresTestUrl() === undefined ? describe.skip : describe;
const postgresTitle = postgresTestUrl() === undefined ? ` (skipped: ${POSTGRES_SKIP_REASON})` : '';

describePostgres(`concurrent migrations [postgres]${postgresTitle}`, () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('concurrent_migrate', { backend: 'postgres', migrate: false });
  });
  afterAll(async () => {
    await database?.destroy();
  });

  it('applies each migration once when two processes migrate at the same time', async () => {
    // Two pools stand in for two processes: separate connections, same database.
    const other = await openDatabase({ databaseUrl: database.url, dataDir: tmpdir() });
    try {
      const results = await Promise.all([migrateToLatest(database.db), migrateToLatest(other.db), migrateToLatest(database.db)]);
      const ran = results.flatMap((result) => result.ran);
      // Every core migration, each once, whatever the list holds today.
      const names = Object.keys(await coreMigrationProvider.getMigrations()).sort();
      expect(names[0]).toBe('0001_runs_and_events');
      expect(ran.sort()).toEqual(names);
      const recorded = await sql<{ name: string }>`select name from strata.strata_migrations order by name`.execute(database.db);
      expect(recorded.rows).toEqual(names.map((name) => ({ name })));
    } finally {
      await other.close();
    }
  });
});

describePostgres(`schema upgrade from the first release's schema [postgres]${postgresTitle}`, () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('schema_upgrade', { backend: 'postgres', migrate: false });
  });
  afterAll(async () => {
    await database?.destroy();
  });

  it('keeps the runs of an older schema and gives them the new columns', async () => {
    // Stop at 0001 on purpose: the older schema an existing deployment has.
    const old = new Migrator({
      db: database.db,
      provider: coreMigrationProvider,
      migrationTableName: 'strata_migrations',
      migrationLockTableName: 'strata_migrations_lock',
      migrationTableSchema: 'strata',
    });
    const first = await old.migrateTo('0001_runs_and_events');
    expect(first.error).toBeUndefined();
    await sql`INSERT INTO strata.runs (id, status, trigger, selection, partition_key, tags)
      VALUES ('11111111-1111-4111-8111-111111111111', 'SUCCESS', 'manual', '*', '2025-02-09T12:00Z', '{"from":"0001"}')`.execute(database.db);

    const upgrade = await migrateToLatest(database.db);
    expect(upgrade.ran[0]).toBe('0002_run_queue');
    expect(upgrade.ran.length).toBe(Object.keys(await coreMigrationProvider.getMigrations()).length - 1);

    const run = await getRun(database.db, '11111111-1111-4111-8111-111111111111');
    expect(run).toMatchObject({ status: 'SUCCESS', selection: '*', partitionKey: '2025-02-09T12:00Z', tags: { from: '0001' } });
    const added = await sql<{ pools: string[]; skip_steps: string[]; backfill_id: string | null }>`
      SELECT pools, skip_steps, backfill_id FROM strata.runs`.execute(database.db);
    expect(added.rows).toEqual([{ pools: [], skip_steps: [], backfill_id: null }]);
  });
});
