/**
 * Loads a definitions module and validates everything before anything runs: the module must
 * import without throwing and export definitions (`export default defineDefinitions(...)`, or a
 * function of the configuration returning them, as `default` or `definitions`); its SQL-file
 * assets must parse; the graph must be valid (no duplicate key, unknown dependency, cycle or
 * partition mismatch); automation conditions must be able to be true (eager() on an asset with
 * no dependencies, a contradiction); schedules must have unique names and selections that resolve. Any
 * failure is one DefinitionsLoadError naming the file and, when known, the line.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Config } from '../config.js';
import { conditionProblems } from '../core/automation/condition-problems.js';
import { definitionSite } from '../core/definition-site.js';
import { DefinitionError } from '../core/errors.js';
import { buildGraph, type AssetGraph } from '../core/graph.js';
import { assertUniqueSensorNames, type AnySensor } from '../core/run-status-sensor.js';
import { applyScheduleOverrides, assertUniqueScheduleNames, type ScheduleDefinition } from '../core/schedule.js';
import { select } from '../core/selection.js';
import { isDefinitions, type Definitions, type DefinitionsContext, type MigrationFolder, type ResourcesFactory } from './definitions.js';
import { DefinitionsLoadError, toLoadError } from './definitions-error.js';
import { reloadUrl } from './reload-url.js';
import { loadSqlAssets } from './sql-assets/load-sql-assets.js';

/** Definitions that passed validation: what every process serves, schedules and runs. */
export interface LoadedDefinitions {
  readonly file: string;
  readonly graph: AssetGraph;
  /** With the operator's STRATA_SCHEDULE_<NAME>_* overrides applied. */
  readonly schedules: readonly ScheduleDefinition[];
  readonly sensors: readonly AnySensor[];
  readonly resources: readonly ResourcesFactory[];
  readonly migrations: readonly MigrationFolder[];
  /** Every folder of SQL-file assets (absolute): watched in dev mode. */
  readonly sqlAssetDirs: readonly string[];
}

export interface LoadOptions {
  readonly config: Config;
  /** Above 0: import the module and its project files afresh (a reload after a change). */
  readonly version?: number;
}

export async function loadDefinitions(file: string, options: LoadOptions): Promise<LoadedDefinitions> {
  const found = await stat(file).catch(() => undefined);
  if (found === undefined || !found.isFile()) {
    throw new DefinitionsLoadError({ file }, 'no such file: set STRATA_DEFINITIONS to a .ts or .js module that exports definitions');
  }
  const fail = (error: unknown): never => {
    throw toLoadError(error, file, dirname(file));
  };
  await requireEsm(file);
  const module = (await import(reloadUrl(pathToFileURL(file).href, options.version ?? 0)).catch(fail)) as Record<string, unknown>;
  const definitions = await definitionsOf(module, { config: options.config }, file).catch(fail);
  return validateDefinitions(definitions, file, options.config);
}

/**
 * Validates definitions given as a value (tests, the `strata/testing` helpers) or imported from
 * `file`; relative SQL-asset folders are taken from the file's folder.
 */
export async function validateDefinitions(definitions: Definitions, file: string, config: Config): Promise<LoadedDefinitions> {
  const projectDir = dirname(file);
  try {
    const sqlAssetDirs = [...definitions.sqlAssetDirs.map((dir) => (isAbsolute(dir) ? dir : resolve(projectDir, dir)))];
    if (config.sqlAssetsDir !== undefined) sqlAssetDirs.push(config.sqlAssetsDir);
    const sqlAssets = await loadSqlAssets(sqlAssetDirs, definitions.assets);
    const graph = buildGraph([...definitions.assets, ...sqlAssets]);
    checkAutomation(graph);
    assertUniqueScheduleNames(definitions.schedules);
    const schedules = applyScheduleOverrides(definitions.schedules, config.scheduleOverrides);
    for (const schedule of schedules) checkSelection(graph, `schedule '${schedule.name}'`, schedule.selection, file);
    assertUniqueSensorNames(definitions.sensors);
    for (const sensor of definitions.sensors) {
      if (sensor.kind === 'run-status-sensor' && sensor.monitoredSelection !== undefined) {
        checkSelection(graph, `sensor '${sensor.name}': monitoredSelection`, sensor.monitoredSelection, file);
      }
    }
    return Object.freeze({
      file,
      graph,
      schedules: Object.freeze(schedules),
      sensors: definitions.sensors,
      resources: definitions.resources,
      migrations: definitions.migrations,
      sqlAssetDirs: Object.freeze(sqlAssetDirs),
    });
  } catch (error) {
    throw toLoadError(error, file, projectDir);
  }
}

/**
 * A `.ts`/`.js` module in a package without `"type": "module"` is loaded as CommonJS, and its
 * `import … from 'strata'` then gets a second copy of Strata (errors lose their lines, classes
 * their identity): refused with what to change.
 */
async function requireEsm(file: string): Promise<void> {
  if (!/\.[jt]s$/.test(file)) return;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const text = await readFile(join(dir, 'package.json'), 'utf8').catch(() => undefined);
    if (text !== undefined) {
      let type: unknown;
      try {
        type = (JSON.parse(text) as { type?: unknown }).type;
      } catch {
        type = undefined;
      }
      if (type === 'module') return;
      throw new DefinitionsLoadError(
        { file },
        `${join(dir, 'package.json')} does not say "type": "module", so this module would load as CommonJS; add it (strata init does), or name the file .mts/.mjs`,
      );
    }
    if (dirname(dir) === dir) {
      throw new DefinitionsLoadError({ file }, 'no package.json with "type": "module" above this module, so it would load as CommonJS; add one (strata init does), or name the file .mts/.mjs');
    }
  }
}

async function definitionsOf(module: Record<string, unknown>, context: DefinitionsContext, file: string): Promise<Definitions> {
  const exported = module.default ?? module.definitions;
  const value = typeof exported === 'function' ? await (exported as (context: DefinitionsContext) => unknown)(context) : exported;
  if (isDefinitions(value)) return value;
  const what = exported === undefined ? `exports ${describeExports(module)}` : `its ${module.default === undefined ? 'definitions' : 'default'} export is ${describeValue(value)}`;
  throw new DefinitionsLoadError(
    { file },
    `${what}; expected \`export default defineDefinitions({ assets, schedules, ... })\` (or a function of { config } returning it)`,
  );
}

/** A condition that can never be true is a mistake: rejected at the line that defines the asset. */
function checkAutomation(graph: AssetGraph): void {
  for (const asset of graph.assets.values()) {
    if (asset.automation === undefined) continue;
    const [problem] = conditionProblems(asset.automation, Object.keys(asset.deps).length > 0);
    if (problem !== undefined) throw new DefinitionError(`asset '${asset.key}': automation ${problem}`, { site: definitionSite(asset) });
  }
}

function checkSelection(graph: AssetGraph, what: string, selection: string, file: string): void {
  try {
    select(graph, selection);
  } catch (error) {
    throw new DefinitionsLoadError({ file }, `${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function describeExports(module: Record<string, unknown>): string {
  const names = Object.keys(module);
  return names.length === 0 ? 'nothing' : `only ${names.map((name) => `'${name}'`).join(', ')}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object that is not defineDefinitions(...)' : `a ${typeof value}`;
}
