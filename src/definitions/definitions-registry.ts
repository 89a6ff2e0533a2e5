/**
 * The definitions a process serves right now, and the error of the last reload if it failed.
 * A reload validates the new module completely and builds its resources before it swaps
 * anything; when it fails, the last good definitions stay and the error is kept for the
 * overview page and `strata status`. Nothing a user module does can stop the process.
 */
import { dirname } from 'node:path';
import type { Config } from '../config.js';
import type { AssetGraph } from '../core/graph.js';
import type { AnySensor } from '../core/run-status-sensor.js';
import type { ScheduleDefinition } from '../core/schedule.js';
import type { Clock, Resources } from '../core/types.js';
import type { ResourceContext } from './definitions.js';
import { DefinitionsLoadError, toLoadError } from './definitions-error.js';
import { loadDefinitions, validateDefinitions, type LoadedDefinitions } from './load-definitions.js';
import type { Definitions } from './definitions.js';

export interface ReloadFailure {
  readonly error: DefinitionsLoadError;
  readonly at: Date;
}

export type ReloadResult = { readonly ok: true; readonly assets: number } | { readonly ok: false; readonly error: DefinitionsLoadError };

type Listener = (result: ReloadResult) => void;

export class DefinitionsRegistry {
  private loaded: LoadedDefinitions;
  private builtResources: Resources | undefined;
  private context: ResourceContext | undefined;
  private failure: ReloadFailure | undefined;
  private version = 0;
  private reloading: Promise<ReloadResult> | undefined;
  private listeners: readonly Listener[] = [];

  private constructor(
    loaded: LoadedDefinitions,
    private readonly config: Config,
    private readonly clock: Clock,
    private readonly wrapResources: (resources: Resources) => Resources,
    /** False for definitions given as a value: there is no file to load again. */
    private readonly reloadable: boolean,
  ) {
    this.loaded = loaded;
  }

  /** Loads `file`; throws DefinitionsLoadError when it is not valid (the CLI exits 2). */
  static async open(
    file: string,
    options: { config: Config; clock: Clock; wrapResources?: (resources: Resources) => Resources },
  ): Promise<DefinitionsRegistry> {
    const loaded = await loadDefinitions(file, { config: options.config });
    return new DefinitionsRegistry(loaded, options.config, options.clock, options.wrapResources ?? ((resources) => resources), true);
  }

  /** Definitions given as a value (tests, `strata/testing`); `label` names them in errors. */
  static async of(
    definitions: Definitions,
    options: { label: string; config: Config; clock: Clock; wrapResources?: (resources: Resources) => Resources },
  ): Promise<DefinitionsRegistry> {
    const loaded = await validateDefinitions(definitions, options.label, options.config);
    return new DefinitionsRegistry(loaded, options.config, options.clock, options.wrapResources ?? ((resources) => resources), false);
  }

  get current(): LoadedDefinitions {
    return this.loaded;
  }

  get graph(): AssetGraph {
    return this.loaded.graph;
  }

  get schedules(): readonly ScheduleDefinition[] {
    return this.loaded.schedules;
  }

  get sensors(): readonly AnySensor[] {
    return this.loaded.sensors;
  }

  /** The error of the last reload, until a reload succeeds. */
  get lastFailure(): ReloadFailure | undefined {
    return this.failure;
  }

  get resources(): Resources {
    if (this.builtResources === undefined) throw new Error('resources are built once the database is open (bindResources)');
    return this.builtResources;
  }

  /** Builds the resources of the current definitions; called once the database is open. */
  async bindResources(context: ResourceContext): Promise<void> {
    this.context = context;
    this.builtResources = await this.resourcesOf(this.loaded);
  }

  /** Loads the module afresh; one reload at a time (a change during a reload waits for it). */
  reload(): Promise<ReloadResult> {
    const previous = this.reloading ?? Promise.resolve(undefined);
    const next = previous.then(() => this.reloadOnce());
    this.reloading = next;
    return next;
  }

  onReload(listener: Listener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((existing) => existing !== listener);
    };
  }

  private async reloadOnce(): Promise<ReloadResult> {
    if (!this.reloadable) return { ok: true, assets: this.loaded.graph.nodes.length };
    this.version += 1;
    let result: ReloadResult;
    try {
      const loaded = await loadDefinitions(this.loaded.file, { config: this.config, version: this.version });
      const resources = this.context === undefined ? undefined : await this.resourcesOf(loaded);
      this.loaded = loaded;
      this.builtResources = resources;
      this.failure = undefined;
      result = { ok: true, assets: loaded.graph.nodes.length };
    } catch (error) {
      const loadError = toLoadError(error, this.loaded.file, dirname(this.loaded.file));
      this.failure = { error: loadError, at: this.clock.now() };
      result = { ok: false, error: loadError };
    }
    for (const listener of this.listeners) listener(result);
    return result;
  }

  private async resourcesOf(loaded: LoadedDefinitions): Promise<Resources> {
    const context = this.context as ResourceContext;
    let resources: Partial<Resources> = { database: context.database, bronze: context.bronze };
    for (const factory of loaded.resources) {
      try {
        resources = { ...resources, ...(await factory(context)) };
      } catch (error) {
        throw toLoadError(error, loaded.file, dirname(loaded.file));
      }
    }
    return this.wrapResources(resources as Resources);
  }
}
