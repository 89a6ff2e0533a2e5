/**
 * Bronze stored as the six-hourly schedule would have fetched it (fetch-time-clock.ts), for
 * CLI tests that then reprocess a past partition in a real process. The database is opened and
 * closed here, so the CLI process is its only user afterwards.
 */
import type { RunningFakeCoinGecko } from '../../src/pipeline/fake-coingecko/index.js';
import { openDatabase } from '../../src/storage/index.js';
import { startPipeline } from '../pipeline/pipeline-harness.js';

export interface StoreBronzeOptions {
  /** STRATA_DATA_DIR of the CLI: bronze files and, without `databaseUrl`, the PGlite directory. */
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
  readonly fake: RunningFakeCoinGecko;
  readonly partitionKey: string;
}

export async function storeBronze(options: StoreBronzeOptions): Promise<void> {
  const database = await openDatabase({ dataDir: options.dataDir, databaseUrl: options.databaseUrl });
  try {
    const pipeline = await startPipeline(database, { sharedFake: options.fake, dataDir: options.dataDir });
    const { result } = await pipeline.materialize(options.partitionKey, 'bronze/*');
    if (result.status !== 'SUCCESS') throw new Error(`storing bronze for ${options.partitionKey} ended ${result.status}`);
    await pipeline.stop();
  } finally {
    await database.close();
  }
}
