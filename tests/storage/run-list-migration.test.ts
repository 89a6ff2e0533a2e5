/** Migration 0008 on Postgres: runs of an older schema get their run_assets rows from their steps. */
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreMigrationProvider, listRuns, migrateToLatest } from '../../src/storage/index.js';
import { POSTGRES_SKIP_REASON, postgresTestUrl } from '../helpers/test-backends.js';
import { type TestDatabase, createTestDatabase } from '../helpers/test-database.js';

const describePostgres = postgresTestUrl() === undefined ? describe.skip : describe;
const title = postgresTestUrl() === undefined ? ` (skipped: ${POSTGRES_SKIP_REASON})` : '';

describePostgres(`migration 0008_run_list from 0007 [postgres]${title}`, () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('run_list_migration', { backend: 'postgres', migrate: false });
  });
  afterAll(async () => {
    await database?.destroy();
  });

  it('backfills run_assets from the steps of existing runs, with the run’s created_at', async () => {
    const migrator = new Migrator({
      db: database.db,
      provider: coreMigrationProvider,
      migrationTableName: 'strata_migrations',
      migrationLockTableName: 'strata_migrations_lock',
      migrationTableSchema: 'strata',
    });
    expect((await migrator.migrateTo('0007_run_queue_order')).error).toBeUndefined();
    await sql`INSERT INTO strata.runs (id, status, trigger, selection, created_at) VALUES
      ('11111111-1111-4111-8111-111111111111', 'SUCCESS', 'manual', '*', '2025-02-09T12:00:00Z'),
      ('22222222-2222-4222-8222-222222222222', 'QUEUED', 'schedule', '*', '2025-02-09T13:00:00Z')`.execute(database.db);
    await sql`INSERT INTO strata.steps (run_id, asset_key, partition_key, status) VALUES
      ('11111111-1111-4111-8111-111111111111', 'bronze/a', '2025-02-09T12:00Z', 'SUCCESS'),
      ('11111111-1111-4111-8111-111111111111', 'silver/b', '2025-02-09T12:00Z', 'SUCCESS'),
      ('11111111-1111-4111-8111-111111111111', 'silver/b', '2025-02-09T06:00Z', 'SUCCESS')`.execute(database.db);

    const upgrade = await migrateToLatest(database.db);
    expect(upgrade.ran).toContain('0008_run_list');
    const rows = await sql<{ run_id: string; asset_key: string; created_at: Date }>`
      SELECT run_id, asset_key, created_at FROM strata.run_assets ORDER BY asset_key`.execute(database.db);
    expect(rows.rows).toEqual([
      { run_id: '11111111-1111-4111-8111-111111111111', asset_key: 'bronze/a', created_at: new Date('2025-02-09T12:00:00Z') },
      { run_id: '11111111-1111-4111-8111-111111111111', asset_key: 'silver/b', created_at: new Date('2025-02-09T12:00:00Z') },
    ]);
    expect((await listRuns(database.db, { assetKey: 'silver/b' })).runs.map((run) => run.id)).toEqual(['11111111-1111-4111-8111-111111111111']);
    expect((await listRuns(database.db, { trigger: 'schedule' })).runs.map((run) => run.id)).toEqual(['22222222-2222-4222-8222-222222222222']);
  });
});
