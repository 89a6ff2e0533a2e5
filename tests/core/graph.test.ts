import { describe, expect, it } from 'vitest';
import { defineAsset, many } from '../../src/core/asset.js';
import { DefinitionError } from '../../src/core/errors.js';
import { buildGraph, getAsset } from '../../src/core/graph.js';
import { dailyPartitions, dailyToSixHourly, sixHourlyPartitions } from '../../src/core/partitions.js';
import { stub } from './helpers.js';

function definitionError(fn: () => unknown): DefinitionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DefinitionError);
    return error as DefinitionError;
  }
  throw new Error('expected a DefinitionError');
}

function medallion() {
  const markets = stub('bronze/markets');
  const global = stub('bronze/global');
  const snapshots = stub('silver/snapshots', { markets });
  const coins = stub('silver/coins', { markets });
  const mart = stub('gold/mart', { snapshots, global });
  const segments = stub('gold/segments', { snapshots });
  return { markets, global, snapshots, coins, mart, segments };
}

describe('buildGraph', () => {
  it('orders by dependency, then layer, then key', () => {
    const graph = buildGraph(Object.values(medallion()));
    expect(graph.order).toEqual(['bronze/global', 'bronze/markets', 'silver/coins', 'silver/snapshots', 'gold/mart', 'gold/segments']);
  });

  it('gives the same order whatever the input order', () => {
    const assets = Object.values(medallion());
    const expected = buildGraph(assets).order;
    for (const shuffled of [[...assets].reverse(), [assets[3], assets[5], assets[0], assets[4], assets[2], assets[1]]]) {
      expect(buildGraph(shuffled as typeof assets).order).toEqual(expected);
    }
  });

  it('breaks ties by layer before key', () => {
    // 'gold/a' sorts before 'silver/z' alphabetically, but silver comes first.
    const graph = buildGraph([stub('gold/a'), stub('silver/z'), stub('bronze/m')]);
    expect(graph.order).toEqual(['bronze/m', 'silver/z', 'gold/a']);
  });

  it('records direct upstream and downstream keys, nodes and edges', () => {
    const graph = buildGraph(Object.values(medallion()));
    expect(graph.upstream.get('gold/mart')).toEqual(['bronze/global', 'silver/snapshots']);
    expect(graph.downstream.get('bronze/markets')).toEqual(['silver/coins', 'silver/snapshots']);
    expect(graph.upstream.get('bronze/markets')).toEqual([]);
    expect(graph.edges).toContainEqual({ from: 'silver/snapshots', to: 'gold/segments' });
    expect(graph.edges).toHaveLength(5);
    expect(graph.nodes[0]).toEqual({
      key: 'bronze/global',
      layer: 'bronze',
      description: 'stub bronze/global',
      partitions: null,
      tags: {},
      group: null,
      owners: [],
      pool: null,
      automation: null,
    });
    expect(JSON.parse(JSON.stringify(graph.nodes))).toEqual(graph.nodes);
    expect(Object.isFrozen(graph)).toBe(true);
    expect(getAsset(graph, 'gold/mart').key).toBe('gold/mart');
    expect(() => getAsset(graph, 'gold/nope')).toThrow(/unknown asset 'gold\/nope'/);
  });

  it('shows the partitions kind, tags and pool in nodes', () => {
    const raw = defineAsset({
      key: 'bronze/raw',
      layer: 'bronze',
      description: 'raw',
      partitions: sixHourlyPartitions,
      tags: { source: 'coingecko' },
      pool: 'coingecko',
      materialize: async () => ({ value: 1 }),
    });
    expect(buildGraph([raw]).nodes[0]).toMatchObject({ partitions: 'six_hourly', tags: { source: 'coingecko' }, pool: 'coingecko' });
  });

  it('rejects duplicate keys', () => {
    expect(definitionError(() => buildGraph([stub('bronze/a'), stub('bronze/a')])).message).toContain("duplicate asset key 'bronze/a'");
  });

  it('rejects a dependency missing from the list, naming the path', () => {
    const missing = stub('bronze/missing');
    const error = definitionError(() => buildGraph([stub('silver/x', { missing })]));
    expect(error.message).toContain('silver/x -> bronze/missing');
  });

  it('rejects a cycle, naming its path', () => {
    const deps: Record<string, unknown> = {};
    const a = stub('silver/a', deps as never);
    const b = stub('silver/b', { a });
    deps.b = b;
    const error = definitionError(() => buildGraph([b, a]));
    expect(error.message).toBe('dependency cycle: silver/a -> silver/b -> silver/a');
  });

  it('names only the cycle, not the assets feeding it', () => {
    const deps: Record<string, unknown> = {};
    const root = stub('bronze/root');
    const a = stub('silver/a', { root });
    const b = stub('silver/b', deps as never);
    const c = stub('silver/c', { b });
    deps.c = c;
    deps.a = a;
    const error = definitionError(() => buildGraph([root, a, b, c]));
    expect(error.message).toBe('dependency cycle: silver/b -> silver/c -> silver/b');
  });

  it('rejects reading a partitioned asset partition by partition from another kind', () => {
    const six = defineAsset({ key: 'bronze/six', layer: 'bronze', description: '', partitions: sixHourlyPartitions, materialize: async () => ({ value: 1 }) });
    const day = defineAsset({
      key: 'gold/day',
      layer: 'gold',
      description: '',
      partitions: dailyPartitions,
      deps: { six },
      materialize: async () => ({ value: 1 }),
    });
    expect(definitionError(() => buildGraph([six, day])).message).toContain('gold/day -> bronze/six');
    const whole = stub('gold/whole', { six });
    expect(definitionError(() => buildGraph([six, whole])).message).toMatch(/gold\/whole -> bronze\/six: an unpartitioned asset cannot read a six_hourly asset/);
  });

  it('checks the kinds of a many() mapping', () => {
    const six = defineAsset({ key: 'bronze/six', layer: 'bronze', description: '', partitions: sixHourlyPartitions, materialize: async () => ({ value: 1 }) });
    const day = defineAsset({
      key: 'gold/day',
      layer: 'gold',
      description: '',
      partitions: dailyPartitions,
      deps: { six: many(six, dailyToSixHourly) },
      materialize: async () => ({ value: 1 }),
    });
    expect(buildGraph([six, day]).order).toEqual(['bronze/six', 'gold/day']);
    const wrong = defineAsset({
      key: 'gold/wrong',
      layer: 'gold',
      description: '',
      partitions: sixHourlyPartitions,
      deps: { six: many(six, dailyToSixHourly) },
      materialize: async () => ({ value: 1 }),
    });
    expect(definitionError(() => buildGraph([six, wrong])).message).toContain('gold/wrong -> bronze/six: mapping daily_to_six_hourly');
  });
});
