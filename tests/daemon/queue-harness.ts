/**
 * A Runtime over a test database and a small test graph, for queue and worker tests: `bronze/api`
 * (pool `coingecko`) -> `silver/clean`, plus `gold/free` (no pool). Every step waits at a gate
 * until the test releases it (or its signal aborts), so tests decide when steps end.
 */
import type { DefinitionsRegistry } from '../../src/definitions/definitions-registry.js';
import { defineAsset, type AnyAsset } from '../../src/core/asset.js';
import { systemClock } from '../../src/core/clock.js';
import { RunEventBus } from '../../src/core/events.js';
import { buildGraph } from '../../src/core/graph.js';
import type { Clock, Resources, RunEvent } from '../../src/core/types.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { TelemetryBus } from '../../src/metrics/telemetry.js';
import type { Runtime } from '../../src/runtime.js';
import type { StrataDatabase } from '../../src/storage/index.js';

export interface Entered {
  readonly runId: string;
  readonly assetKey: string;
  readonly signal: AbortSignal;
  release(): void;
}

/** Steps waiting to be released; `next()` resolves when one arrives. */
export class StepGates {
  readonly waiting: Entered[] = [];
  private observers: Array<(entered: Entered) => void> = [];
  /** Steps of these assets pass without waiting. */
  readonly open = new Set<string>();

  async enter(runId: string, assetKey: string, signal: AbortSignal): Promise<void> {
    if (this.open.has(assetKey)) return;
    await new Promise<void>((resolve, reject) => {
      const entered: Entered = { runId, assetKey, signal, release: resolve };
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      const observer = this.observers.shift();
      if (observer) observer(entered);
      else this.waiting.push(entered);
    });
  }

  next(): Promise<Entered> {
    const entered = this.waiting.shift();
    if (entered) return Promise.resolve(entered);
    return new Promise((resolve) => this.observers.push(resolve));
  }
}

export function testGraph(gates: StepGates, onMaterialize: (assetKey: string, runId: string) => void = () => {}): AnyAsset[] {
  const gated = (key: string) => async (ctx: { runId: string; signal: AbortSignal }) => {
    onMaterialize(key, ctx.runId);
    await gates.enter(ctx.runId, key, ctx.signal);
    return { value: { from: key, runId: ctx.runId } };
  };
  const api = defineAsset({ key: 'bronze/api', layer: 'bronze', description: 'calls the API', pool: 'coingecko', materialize: gated('bronze/api') });
  const clean = defineAsset({
    key: 'silver/clean',
    layer: 'silver',
    description: 'cleans',
    deps: { api },
    materialize: async (ctx) => {
      onMaterialize('silver/clean', ctx.runId);
      await gates.enter(ctx.runId, 'silver/clean', ctx.signal);
      return { value: { from: 'silver/clean', upstream: ctx.inputs.api } };
    },
  });
  const free = defineAsset({ key: 'gold/free', layer: 'gold', description: 'no pool', materialize: gated('gold/free') });
  return [api, clean, free];
}

export interface TestRuntimeOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly clock?: Clock;
  readonly assets: readonly AnyAsset[];
}

export function testRuntime(database: StrataDatabase, options: TestRuntimeOptions): Runtime {
  return {
    config: loadConfig({ STRATA_DATA_DIR: '/nonexistent', ...options.env }),
    logger: createLogger({ level: 'silent', pretty: false }),
    clock: options.clock ?? systemClock,
    database,
    graph: buildGraph(options.assets),
    // Fixed definitions: nothing reloads them, no schedule runs.
    definitions: { lastFailure: undefined } as DefinitionsRegistry,
    schedules: [],
    sensors: [],
    // The test assets use no resources.
    resources: {} as Resources,
    events: new RunEventBus(),
    telemetry: new TelemetryBus(),
    close: async () => {},
  };
}

type RunEnd = Extract<RunEvent, { type: 'run:succeeded' | 'run:failed' | 'run:canceled' }>;

/** Resolves with the terminal event of each run, as the buses publish them. */
export function waitForRunEnds(buses: readonly RunEventBus[], runIds: readonly string[]): Promise<Map<string, RunEnd>> {
  const ends = new Map<string, RunEnd>();
  return new Promise((resolve) => {
    const unsubscribes = buses.map((bus) =>
      bus.subscribe((event) => {
        if ((event.type === 'run:succeeded' || event.type === 'run:failed' || event.type === 'run:canceled') && runIds.includes(event.runId)) {
          ends.set(event.runId, event);
          if (ends.size === runIds.length) {
            for (const unsubscribe of unsubscribes) unsubscribe();
            resolve(ends);
          }
        }
      }),
    );
  });
}
