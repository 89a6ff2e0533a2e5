/**
 * Runs migrations with kysely's Migrator. On Postgres the Migrator runs the pending
 * migrations in one transaction under an advisory lock, so two processes starting at once
 * cannot both apply them: the second waits, then finds nothing left to do.
 */
import { type Kysely, type MigrationProvider, Migrator } from 'kysely';
import { CORE_MIGRATION_TABLE, coreMigrationProvider } from './migrations/index.js';
import { MigrationError } from './errors.js';

export interface MigrateOptions {
  /** Default: the core Strata migrations. */
  readonly provider?: MigrationProvider;
  /** Table recording which migrations ran; each provider needs its own. Default `strata_migrations`. */
  readonly tableName?: string;
  /** Postgres schema holding that table. Default `strata`. */
  readonly schema?: string;
}

export interface MigrateResult {
  /** Names of the migrations that ran now, in order; empty when already up to date. */
  readonly ran: readonly string[];
}

/**
 * Brings the database up to the provider's latest migration.
 *
 * @example
 * await migrateToLatest(db); // core tables
 * await migrateToLatest(db, { provider: sqlFileMigrationProvider('sql/migrations'), tableName: 'pipeline_migrations' });
 */
function migratorFor<DB>(db: Kysely<DB>, options: MigrateOptions): Migrator {
  const tableName = options.tableName ?? CORE_MIGRATION_TABLE.tableName;
  return new Migrator({
    db,
    provider: options.provider ?? coreMigrationProvider,
    migrationTableName: tableName,
    migrationLockTableName: `${tableName}_lock`,
    migrationTableSchema: options.schema ?? CORE_MIGRATION_TABLE.schema,
  });
}

/** Names of the provider's migrations that have not run yet (for readiness). */
export async function pendingMigrations<DB>(db: Kysely<DB>, options: MigrateOptions = {}): Promise<string[]> {
  const migrations = await migratorFor(db, options).getMigrations();
  return migrations.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
}

export async function migrateToLatest<DB>(db: Kysely<DB>, options: MigrateOptions = {}): Promise<MigrateResult> {
  const migrator = migratorFor(db, options);
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error');
    throw new MigrationError(failed?.migrationName, error);
  }
  return { ran: results.filter((result) => result.status === 'Success').map((result) => result.migrationName) };
}
