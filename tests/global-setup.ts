/**
 * vitest globalSetup: builds ONE migrated PGlite data directory per `vitest` run, which
 * tests/helpers/test-database.ts copies for each test file. Creating a PGlite runs initdb in
 * WebAssembly (seconds on a quiet machine, up to a minute on a loaded one), so no test ever
 * creates one from scratch. The template holds the core migrations only (see test-database.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrateToLatest, openDatabase } from '../src/storage/index.js';
import { POSTGRES_SKIP_REASON, postgresTestUrl } from './helpers/test-backends.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of the migrated PGlite template data directory. */
    pgliteTemplate: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = performance.now();
  const root = await mkdtemp(join(tmpdir(), 'strata-pglite-template-'));
  const database = await openDatabase({ dataDir: root });
  await migrateToLatest(database.db);
  // Closing flushes the data directory so copies of it are consistent.
  await database.close();
  project.provide('pgliteTemplate', join(root, 'pglite'));

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  project.vitest.logger.log(`[strata] PGlite template built in ${seconds}s at ${root}`);
  if (postgresTestUrl() === undefined) {
    project.vitest.logger.log(`[strata] Postgres storage suites skipped: ${POSTGRES_SKIP_REASON}`);
  }
  return async () => {
    await rm(root, { recursive: true, force: true });
  };
}
