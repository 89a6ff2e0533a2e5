import { InvalidSelectionError } from './errors.js';
import type { AssetGraph } from './graph.js';
import type { AssetKey } from './types.js';

/**
 * Resolves a selection expression to asset keys in topological order.
 *
 * Terms, separated by commas or spaces, are a union:
 * - `silver/market_snapshots` an exact key; `gold/*` or `*` a glob
 * - `+key` the key and everything upstream of it; `key+` the key and everything downstream; `+key+` both
 *
 * ```ts
 * select(graph, '+silver/market_snapshots gold/*');
 * ```
 */
export function select(graph: AssetGraph, expression: string): AssetKey[] {
  const terms = expression.split(/[\s,]+/).filter((term) => term !== '');
  if (terms.length === 0) throw new InvalidSelectionError(`empty selection: ${describeValidKeys(graph)}`);
  const selected = new Set<AssetKey>();
  for (const term of terms) {
    for (const key of resolveTerm(graph, term)) selected.add(key);
  }
  return graph.order.filter((key) => selected.has(key));
}

function resolveTerm(graph: AssetGraph, term: string): AssetKey[] {
  const withUpstream = term.startsWith('+');
  const withDownstream = term.endsWith('+') && term.length > 1;
  const pattern = term.slice(withUpstream ? 1 : 0, withDownstream ? -1 : undefined);
  const matches = matchPattern(graph, pattern);
  if (matches.length === 0) {
    throw new InvalidSelectionError(`selection term '${term}' matches no asset; ${suggest(graph, pattern)}`);
  }
  const result = new Set(matches);
  if (withUpstream) for (const key of reachable(graph.upstream, matches)) result.add(key);
  if (withDownstream) for (const key of reachable(graph.downstream, matches)) result.add(key);
  return [...result];
}

function matchPattern(graph: AssetGraph, pattern: string): AssetKey[] {
  if (!pattern.includes('*')) return graph.assets.has(pattern) ? [pattern] : [];
  const source = pattern.split('*').map(escapeRegExp).join('.*');
  const regex = new RegExp(`^${source}$`);
  return graph.order.filter((key) => regex.test(key));
}

function reachable(edges: ReadonlyMap<AssetKey, readonly AssetKey[]>, start: readonly AssetKey[]): Set<AssetKey> {
  const seen = new Set<AssetKey>();
  const stack = [...start];
  while (stack.length > 0) {
    const key = stack.pop() as AssetKey;
    for (const next of edges.get(key) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return seen;
}

function suggest(graph: AssetGraph, pattern: string): string {
  const close = graph.order
    .map((key) => ({ key, distance: editDistance(pattern, key) }))
    .filter(({ key, distance }) => distance <= Math.max(2, Math.floor(key.length / 4)))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, 3)
    .map(({ key }) => key);
  return close.length > 0 ? `did you mean ${close.join(', ')}?` : describeValidKeys(graph);
}

function describeValidKeys(graph: AssetGraph): string {
  return graph.order.length > 0 ? `valid keys: ${graph.order.join(', ')}` : 'the graph has no assets';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\/]/g, '\\$&');
}
