/**
 * The composition root: opens the database (Postgres or PGlite), migrates the core and the
 * pipeline schemas, and wires the pipeline's resources. The CLI, the server and tests all start
 * here; tests pass `overrides` to inject fakes (a clock, a wrapped database) instead of flags.
 */
import { join } from 'node:path';
import type { Config } from './config.js';
import { systemClock } from './core/clock.js';
import { RunEventBus } from './core/events.js';
import type { AssetGraph } from './core/graph.js';
import type { Clock, Resources } from './core/types.js';
import type { Logger } from './logger.js';
import { TelemetryBus } from './metrics/telemetry.js';
import { pipelineGraph } from './pipeline/definitions.js';
import { createParquetWriter } from './pipeline/parquet/index.js';
import { PIPELINE_MIGRATIONS_DIR, PIPELINE_MIGRATION_TABLE } from './pipeline/sql-files.js';
import { createCoinGeckoClient, createCoinPaprikaClient, type CoinGeckoClient, type CoinPaprikaClient } from './pipeline/sources/index.js';
import { LocalBronzeStore } from './storage/bronze/index.js';
import { migrateToLatest, openDatabase, pendingMigrations as pendingMigrationsOf, sqlFileMigrationProvider, type StrataDatabase } from './storage/index.js';

export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly database: StrataDatabase;
  readonly graph: AssetGraph;
  readonly resources: Resources;
  /** Every run event, as it is recorded: progress displays, metrics and the UI subscribe. */
  readonly events: RunEventBus;
  /** Source requests, rate-limit waits, schedule ticks, retention purges: counted by metrics. */
  readonly telemetry: TelemetryBus;
  close(): Promise<void>;
}

export interface RuntimeOverrides {
  readonly clock?: Clock;
  readonly database?: StrataDatabase;
  readonly coingecko?: CoinGeckoClient;
  readonly coinpaprika?: CoinPaprikaClient;
  /** Another asset graph, e.g. a synthetic 500-asset graph for the lineage benchmark. */
  readonly graph?: AssetGraph;
  /** Change the resources the assets see, e.g. wrap the database to inject a failure. */
  readonly resources?: (resources: Resources) => Resources;
}

const PIPELINE_MIGRATIONS = { provider: sqlFileMigrationProvider(PIPELINE_MIGRATIONS_DIR), tableName: PIPELINE_MIGRATION_TABLE };

export async function migrateAll(database: StrataDatabase): Promise<string[]> {
  const core = await migrateToLatest(database.db);
  const pipeline = await migrateToLatest(database.db, PIPELINE_MIGRATIONS);
  return [...core.ran, ...pipeline.ran];
}

/** Core and pipeline migrations not yet run: a server is ready only when this is empty. */
export async function pendingMigrations(database: StrataDatabase): Promise<string[]> {
  return [...(await pendingMigrationsOf(database.db)), ...(await pendingMigrationsOf(database.db, PIPELINE_MIGRATIONS))];
}

export async function openRuntime(config: Config, logger: Logger, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const clock = overrides.clock ?? systemClock;
  const database =
    overrides.database ??
    (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger: { info: (message) => logger.info(message), warn: (message) => logger.warn(message) } }));
  try {
    const ran = await migrateAll(database);
    if (ran.length > 0) logger.info({ migrations: ran }, 'database migrated');
    const bronze = new LocalBronzeStore(config.dataDir);
    await bronze.recover();
    const telemetry = new TelemetryBus();
    const coingecko =
      overrides.coingecko ??
      createCoinGeckoClient(config.coingecko, {
        clock,
        logger: logger.child({ source: 'coingecko' }),
        onRequest: ({ endpoint, status, durationMs }) => telemetry.publish({ type: 'source:request', source: 'coingecko', endpoint, status, durationMs }),
        onRateLimitWait: (ms) => telemetry.publish({ type: 'source:rate_limit_wait', source: 'coingecko', ms }),
      });
    // Created whatever STRATA_SOURCES says: it opens no connection until an asset asks.
    const coinpaprika =
      overrides.coinpaprika ??
      createCoinPaprikaClient(config.coinpaprika, {
        clock,
        logger: logger.child({ source: 'coinpaprika' }),
        onRequest: ({ endpoint, status, durationMs }) => telemetry.publish({ type: 'source:request', source: 'coinpaprika', endpoint, status, durationMs }),
        onRateLimitWait: (ms) => telemetry.publish({ type: 'source:rate_limit_wait', source: 'coinpaprika', ms }),
      });
    const base: Resources = {
      database,
      bronze,
      coingecko,
      coinpaprika,
      parquet: createParquetWriter(),
      settings: {
        coins: config.coins,
        martTopN: config.martTopN,
        maxQuarantinePct: config.maxQuarantinePct,
        historyCoins: config.historyCoins,
        reconciliationThresholdPct: config.reconciliationThresholdPct,
      },
    };
    return {
      config,
      logger,
      clock,
      database,
      graph: overrides.graph ?? pipelineGraph(config),
      resources: overrides.resources ? overrides.resources(base) : base,
      events: new RunEventBus(),
      telemetry,
      close: () => database.close(),
    };
  } catch (error) {
    if (!overrides.database) await database.close();
    throw error;
  }
}

/** Where the embedded database lives, for messages. */
export function describeDatabase(config: Config): string {
  return config.databaseUrl ? 'Postgres (DATABASE_URL)' : `embedded PGlite at ${join(config.dataDir, 'pglite')}`;
}
