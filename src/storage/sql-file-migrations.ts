/**
 * Turns a folder of ordered `.sql` files into kysely migrations: one file, one migration,
 * named after the file without `.sql`, sent as one multi-statement query (no parameters,
 * so both engines use the simple protocol). Each runs inside the Migrator's transaction, so
 * a file must not contain BEGIN/COMMIT or `CREATE INDEX CONCURRENTLY`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Migration, type MigrationProvider, sql } from 'kysely';

export function sqlFileMigrationProvider(dir: string): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
      const migrations: Record<string, Migration> = {};
      for (const file of files) {
        const text = await readFile(join(dir, file), 'utf8');
        migrations[file.slice(0, -'.sql'.length)] = {
          async up(db) {
            await sql.raw(text).execute(db);
          },
        };
      }
      return migrations;
    },
  };
}
