/**
 * A runtime over the 5,000-asset synthetic graph (bench/synthetic-asset-states.ts) on a test
 * database, with a few assets given each health by real runs: what the catalog and lineage
 * tests read. The clock is a ManualClock left at the time of the last seeding run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogGraph, seedAssetStates } from '../../bench/synthetic-asset-states.js';
import { loadConfig } from '../../src/config.js';
import { ManualClock } from '../../src/core/manual-clock.js';
import { createLogger } from '../../src/logger.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import type { TestBackendName } from './test-backends.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface CatalogRuntime {
  readonly runtime: Runtime;
  readonly database: TestDatabase;
  stop(): Promise<void>;
}

export async function openCatalogRuntime(name: string, backend: TestBackendName = 'pglite'): Promise<CatalogRuntime> {
  const database = await createTestDatabase(name, { backend });
  const dataDir = await mkdtemp(join(tmpdir(), 'strata-catalog-'));
  const stop = async () => {
    await database.destroy();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const clock = new ManualClock();
    // runtime.close() would close the test's database: stop() destroys it instead.
    const runtime = await openRuntime(loadConfig({ STRATA_DATA_DIR: dataDir }), createLogger({ level: 'silent', pretty: false }), { database, clock, graph: catalogGraph() });
    await seedAssetStates(runtime, clock);
    return { runtime, database, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
