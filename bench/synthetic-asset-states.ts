/**
 * Gives a few assets of the 5,000-asset synthetic graph each health, with real runs through the
 * executor: some materialized two days ago and now past their freshness objective (stale), some
 * materialized now (ok), some whose materialize throws (failed); the rest never ran (missing).
 * `expectedHealths` says which asset ends up with which health, from the graph alone, so a test
 * can check the catalog against it.
 */
import type { AssetGraph } from '../src/core/graph.js';
import type { ManualClock } from '../src/core/manual-clock.js';
import { select } from '../src/core/selection.js';
import type { AssetKey } from '../src/core/types.js';
import { materialize } from '../src/daemon/execute-run.js';
import type { Runtime } from '../src/runtime.js';
import type { AssetHealth } from '../src/server/read-models/asset-health.js';
import { syntheticWarehouseGraph } from './synthetic-asset-graph.js';

export const CATALOG_ASSETS = 5_000;
export const CATALOG_ROOTS = 50;

/** Each with its upstream: a few dozen steps in all, so seeding takes seconds even on PGlite. */
export const SEEDED = {
  stale: ['gold/fct_finance_038', 'gold/fct_finance_048'],
  ok: ['silver/stg_orders_010', 'silver/stg_orders_020', 'gold/rpt_web_049'],
  failing: ['silver/int_payments_022', 'gold/fct_finance_058'],
} as const satisfies Record<string, readonly AssetKey[]>;

const TWO_DAYS_MS = 2 * 86_400_000;

/** The catalog's graph: 5,000 assets, 50 roots, the SEEDED failing assets throwing. */
export function catalogGraph(size = CATALOG_ASSETS): AssetGraph {
  const failing = new Set<string>(SEEDED.failing);
  return syntheticWarehouseGraph(size, { roots: CATALOG_ROOTS, failing: (key) => failing.has(key) });
}

const closure = (graph: AssetGraph, keys: readonly AssetKey[]) => new Set(select(graph, keys.map((key) => `+${key}`).join(' ')));

/**
 * Two days ago: the stale assets and their upstream. Now: the ok ones and theirs, then the
 * failing ones and theirs (their upstream succeeds). `clock` is the runtime's clock.
 */
export async function seedAssetStates(runtime: Runtime, clock: ManualClock, now = new Date()): Promise<void> {
  const then = new Date(now.getTime() - TWO_DAYS_MS);
  const partitionAt = (time: Date) => runtime.graph.assets.get(SEEDED.stale[0])?.partitions?.keyFor(time);
  clock.set(then);
  await materialize(runtime, { selection: SEEDED.stale.map((key) => `+${key}`).join(' '), partitionKey: partitionAt(then) });
  clock.set(now);
  await materialize(runtime, { selection: SEEDED.ok.map((key) => `+${key}`).join(' '), partitionKey: partitionAt(now) });
  await materialize(runtime, { selection: SEEDED.failing.map((key) => `+${key}`).join(' '), partitionKey: partitionAt(now) });
}

/** Every asset's health after seedAssetStates. */
export function expectedHealths(graph: AssetGraph): Map<AssetKey, AssetHealth> {
  const failing = new Set<AssetKey>(SEEDED.failing);
  const now = new Set([...closure(graph, SEEDED.ok), ...[...closure(graph, SEEDED.failing)].filter((key) => !failing.has(key))]);
  const then = closure(graph, SEEDED.stale);
  return new Map(
    graph.order.map((key): [AssetKey, AssetHealth] => {
      if (failing.has(key)) return [key, 'failed'];
      if (now.has(key)) return [key, 'ok'];
      // Two days is past every objective (6 h bronze, 12 h silver, 24 h gold); unpartitioned assets have none.
      if (then.has(key)) return [key, graph.assets.get(key)?.freshness === undefined ? 'ok' : 'stale'];
      return [key, 'missing'];
    }),
  );
}
