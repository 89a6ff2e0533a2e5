import { DefinitionError } from './errors.js';
import type { AssetKey } from './types.js';

/**
 * Kahn's algorithm. `upstream` maps every key to the keys it depends on; `compare` breaks ties
 * among ready keys, which is what makes the order independent of input order.
 * Throws DefinitionError naming one cycle (`a -> b -> a`) when there is one.
 */
export function topologicalOrder(
  upstream: ReadonlyMap<AssetKey, readonly AssetKey[]>,
  downstream: ReadonlyMap<AssetKey, readonly AssetKey[]>,
  compare: (a: AssetKey, b: AssetKey) => number,
): AssetKey[] {
  const waitingOn = new Map<AssetKey, number>();
  for (const [key, deps] of upstream) waitingOn.set(key, deps.length);
  let ready = [...upstream.keys()].filter((key) => waitingOn.get(key) === 0);
  const order: AssetKey[] = [];
  while (ready.length > 0) {
    ready.sort(compare);
    const key = ready.shift() as AssetKey;
    order.push(key);
    for (const child of downstream.get(key) ?? []) {
      const left = (waitingOn.get(child) ?? 0) - 1;
      waitingOn.set(child, left);
      if (left === 0) ready.push(child);
    }
  }
  if (order.length < upstream.size) {
    const stuck = [...upstream.keys()].filter((key) => !order.includes(key)).sort(compare);
    throw new DefinitionError(`dependency cycle: ${findCycle(stuck, upstream).join(' -> ')}`);
  }
  return order;
}

/** Walks dependencies from a key left over by Kahn's algorithm until a key repeats. */
function findCycle(stuck: readonly AssetKey[], upstream: ReadonlyMap<AssetKey, readonly AssetKey[]>): AssetKey[] {
  const inCycleRegion = new Set(stuck);
  const path: AssetKey[] = [];
  let key = stuck[0] as AssetKey;
  // Every stuck key has at least one stuck dependency, so this walk must revisit a key.
  while (!path.includes(key)) {
    path.push(key);
    key = (upstream.get(key) ?? []).find((dep) => inCycleRegion.has(dep)) as AssetKey;
  }
  return [...path.slice(path.indexOf(key)), key];
}
