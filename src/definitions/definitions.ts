/**
 * A code location's definitions: its assets, schedules, resources, SQL-asset folders and
 * migrations, as one value. A definitions module (STRATA_DEFINITIONS) exports one as `default`
 * (or a function of the configuration that returns one); the shipped crypto pipeline is such a
 * module too (src/pipeline/index.ts), so user code and shipped code enter by one door.
 *
 * ```ts
 * import { defineAsset, defineDefinitions } from 'strata';
 * import cryptoPipeline, { marketSnapshots } from 'strata/pipeline';
 *
 * const topMovers = defineAsset({ key: 'gold/top_movers', layer: 'gold', deps: { marketSnapshots }, ... });
 * export default (context) => defineDefinitions({ include: [cryptoPipeline(context)], assets: [topMovers] });
 * ```
 */
import type { Config } from '../config.js';
import type { AnyAsset } from '../core/asset.js';
import type { AnySensor } from '../core/run-status-sensor.js';
import type { ScheduleDefinition } from '../core/schedule.js';
import type { Clock, Resources } from '../core/types.js';
import type { Logger } from '../logger.js';
import type { TelemetryBus } from '../metrics/telemetry.js';
import type { BronzeStore } from '../storage/bronze/index.js';
import type { StrataDatabase } from '../storage/database.js';

/** What a definitions function receives: the parsed configuration (never read `process.env` for Strata's own settings). */
export interface DefinitionsContext {
  readonly config: Config;
}

/** What a resources factory receives once per process (and again after each reload). */
export interface ResourceContext extends DefinitionsContext {
  readonly database: StrataDatabase;
  readonly bronze: BronzeStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Source requests and rate-limit waits published here are counted by /metrics. */
  readonly telemetry: TelemetryBus;
}

/** Builds the resources this code location's assets use (API clients, settings); it should open no connection until used. */
export type ResourcesFactory = (context: ResourceContext) => Partial<Resources> | Promise<Partial<Resources>>;

/** A folder of numbered `.sql` migrations and the table that records which ran. */
export interface MigrationFolder {
  readonly folder: string;
  readonly table: string;
}

export interface DefinitionsSpec {
  readonly assets?: readonly AnyAsset[];
  readonly schedules?: readonly ScheduleDefinition[];
  /** Sensors and run-status sensors the daemon evaluates. */
  readonly sensors?: readonly AnySensor[];
  readonly resources?: ResourcesFactory;
  /** Folders whose `.sql` files are assets: absolute, or relative to the definitions module's folder. */
  readonly sqlAssetDirs?: readonly string[];
  readonly migrations?: readonly MigrationFolder[];
  /** Other definitions merged into these (e.g. the shipped pipeline under your own marts). */
  readonly include?: readonly Definitions[];
}

export interface Definitions {
  readonly kind: typeof DEFINITIONS_KIND;
  readonly assets: readonly AnyAsset[];
  readonly schedules: readonly ScheduleDefinition[];
  readonly sensors: readonly AnySensor[];
  readonly resources: readonly ResourcesFactory[];
  readonly sqlAssetDirs: readonly string[];
  readonly migrations: readonly MigrationFolder[];
}

export const DEFINITIONS_KIND = 'strata.definitions';

/** Collects a code location's definitions; included ones come first. Validation happens when they load (load-definitions.ts). */
export function defineDefinitions(spec: DefinitionsSpec): Definitions {
  const parts: readonly DefinitionsLike[] = [...(spec.include ?? []), spec];
  const flat = <T>(pick: (part: DefinitionsLike) => readonly T[] | T | undefined): readonly T[] =>
    Object.freeze(parts.flatMap((part) => (pick(part) ?? []) as T[]));
  return Object.freeze({
    kind: DEFINITIONS_KIND,
    assets: flat((part) => part.assets),
    schedules: flat((part) => part.schedules),
    sensors: flat((part) => part.sensors),
    resources: flat<ResourcesFactory>((part) => part.resources),
    sqlAssetDirs: flat((part) => part.sqlAssetDirs),
    migrations: flat((part) => part.migrations),
  });
}

type DefinitionsLike = Omit<DefinitionsSpec, 'include' | 'resources'> & {
  readonly resources?: ResourcesFactory | readonly ResourcesFactory[];
};

export function isDefinitions(value: unknown): value is Definitions {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === DEFINITIONS_KIND;
}
