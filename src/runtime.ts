/**
 * The composition root: opens the database (Postgres or PGlite), migrates the core and the
 * pipeline schemas, and wires the pipeline's resources. The CLI, the server and tests all start
 * here; tests pass `overrides` to inject fakes (a clock, a wrapped database) instead of flags.
 */
import { fileURLToPath } from 'node:url';
import type { Config } from './config.js';
import { systemClock } from './core/clock.js';
import { RunEventBus } from './core/events.js';
import { announceRunEvents } from './daemon/run-event-announcer.js';
import type { AssetGraph } from './core/graph.js';
import type { AnySensor } from './core/run-status-sensor.js';
import type { ScheduleDefinition } from './core/schedule.js';
import type { Clock, Resources } from './core/types.js';
import type { Definitions, MigrationFolder } from './definitions/definitions.js';
import { DefinitionsRegistry } from './definitions/definitions-registry.js';
import type { Logger } from './logger.js';
import { TelemetryBus } from './metrics/telemetry.js';
import { PIPELINE_MIGRATIONS } from './pipeline/index.js';
import type { CoinGeckoClient, CoinPaprikaClient } from './pipeline/sources/index.js';
import { LocalBronzeStore } from './storage/bronze/index.js';
import { migrateToLatest, openDatabase, pendingMigrations as pendingMigrationsOf, sqlFileMigrationProvider, type StrataDatabase } from './storage/index.js';

/** The definitions module loaded when STRATA_DEFINITIONS is unset: the shipped crypto pipeline. */
export const SHIPPED_DEFINITIONS = fileURLToPath(new URL('./pipeline/index.ts', import.meta.url)).replace(/\.ts$/, existingExtension());

export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly database: StrataDatabase;
  /** The definitions this process serves; `graph`, `schedules` and `resources` read its current ones. */
  readonly definitions: DefinitionsRegistry;
  readonly graph: AssetGraph;
  /** The loaded schedules, with the operator's STRATA_SCHEDULE_<NAME>_* overrides. */
  readonly schedules: readonly ScheduleDefinition[];
  /** The loaded sensors and run-status sensors. */
  readonly sensors: readonly AnySensor[];
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
  /** Definitions given as a value instead of loading STRATA_DEFINITIONS (tests, `strata/testing`). */
  readonly definitions?: Definitions;
  /** Change the resources the assets see, e.g. wrap the database to inject a failure. */
  readonly resources?: (resources: Resources) => Resources;
}

const SHIPPED_MIGRATIONS: readonly MigrationFolder[] = [PIPELINE_MIGRATIONS];
const migrationsOf = (folder: MigrationFolder) => ({ provider: sqlFileMigrationProvider(folder.folder), tableName: folder.table });

/** Core migrations, then each definitions folder's (default: the shipped pipeline's). Returns the names that ran. */
export async function migrateAll(database: StrataDatabase, folders: readonly MigrationFolder[] = SHIPPED_MIGRATIONS): Promise<string[]> {
  const ran = [...(await migrateToLatest(database.db)).ran];
  for (const folder of folders) ran.push(...(await migrateToLatest(database.db, migrationsOf(folder))).ran);
  return ran;
}

/** Core and definitions migrations not yet run: a server is ready only when this is empty. */
export async function pendingMigrations(database: StrataDatabase, folders: readonly MigrationFolder[] = SHIPPED_MIGRATIONS): Promise<string[]> {
  const pending = await pendingMigrationsOf(database.db);
  for (const folder of folders) pending.push(...(await pendingMigrationsOf(database.db, migrationsOf(folder))));
  return pending;
}

/** `.ts` when Strata runs from its sources, `.js` when from a build. */
function existingExtension(): string {
  return import.meta.url.endsWith('.ts') ? '.ts' : '.js';
}

export async function openRuntime(config: Config, logger: Logger, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const clock = overrides.clock ?? systemClock;
  // Definitions are validated before the database is touched: a bad module changes nothing.
  const registryOptions = {
    config,
    clock,
    wrapResources: (resources: Resources) => {
      const injected = {
        ...resources,
        ...(overrides.coingecko === undefined ? {} : { coingecko: overrides.coingecko }),
        ...(overrides.coinpaprika === undefined ? {} : { coinpaprika: overrides.coinpaprika }),
      };
      return overrides.resources ? overrides.resources(injected) : injected;
    },
  };
  const definitions =
    overrides.definitions === undefined
      ? await DefinitionsRegistry.open(config.definitionsFile ?? SHIPPED_DEFINITIONS, registryOptions)
      : await DefinitionsRegistry.of(overrides.definitions, { ...registryOptions, label: '(definitions given as a value)' });
  const database =
    overrides.database ??
    (await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      command: `strata ${process.argv.slice(2).join(' ')}`.trim(),
      logger: { info: (message) => logger.info(message), warn: (message) => logger.warn(message) },
    }));
  try {
    const ran = await migrateAll(database, definitions.current.migrations);
    if (ran.length > 0) logger.info({ migrations: ran }, 'database migrated');
    const bronze = new LocalBronzeStore(config.dataDir);
    // Cleaning crashed writes is safe only while nobody writes: on the embedded database, only
    // its owner at start-up may do it (a client runs beside an owner that may be writing).
    if (database.embedded === undefined || (await database.embedded.role()) === 'owner') await bronze.recover();
    const telemetry = new TelemetryBus();
    await definitions.bindResources({ config, database, bronze, clock, logger, telemetry });
    const graph = overrides.graph;
    const events = new RunEventBus();
    // Live run pages of other processes learn of this process's events by NOTIFY.
    const stopAnnouncing = announceRunEvents(database, events, logger);
    return {
      config,
      logger,
      clock,
      database,
      definitions,
      get graph() {
        return graph ?? definitions.graph;
      },
      get schedules() {
        return definitions.schedules;
      },
      get sensors() {
        return definitions.sensors;
      },
      get resources() {
        return definitions.resources;
      },
      events,
      telemetry,
      close: () => {
        stopAnnouncing();
        return database.close();
      },
    };
  } catch (error) {
    if (!overrides.database) await database.close();
    throw error;
  }
}
