import { describe, expect, it } from 'vitest';
import { InvalidSelectionError } from '../../src/core/errors.js';
import { buildGraph } from '../../src/core/graph.js';
import { select } from '../../src/core/selection.js';
import { stub } from './helpers.js';

const markets = stub('bronze/markets');
const global = stub('bronze/global');
const snapshots = stub('silver/market_snapshots', { markets });
const coins = stub('silver/coins', { markets });
const mart = stub('gold/crypto_analytics_mart', { snapshots, global });
const segments = stub('gold/market_segment_analysis', { snapshots });
const graph = buildGraph([segments, mart, coins, snapshots, global, markets]);

function selectionError(expression: string): InvalidSelectionError {
  try {
    select(graph, expression);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidSelectionError);
    return error as InvalidSelectionError;
  }
  throw new Error('expected an InvalidSelectionError');
}

describe('select', () => {
  it('selects an exact key', () => {
    expect(select(graph, 'silver/market_snapshots')).toEqual(['silver/market_snapshots']);
  });

  it('selects by glob, in topological order', () => {
    expect(select(graph, 'gold/*')).toEqual(['gold/crypto_analytics_mart', 'gold/market_segment_analysis']);
    expect(select(graph, '*')).toEqual(graph.order);
    expect(select(graph, '*/market_*')).toEqual(['silver/market_snapshots', 'gold/market_segment_analysis']);
  });

  it('adds upstream with a leading +', () => {
    expect(select(graph, '+gold/crypto_analytics_mart')).toEqual([
      'bronze/global',
      'bronze/markets',
      'silver/market_snapshots',
      'gold/crypto_analytics_mart',
    ]);
  });

  it('adds downstream with a trailing +', () => {
    expect(select(graph, 'silver/market_snapshots+')).toEqual([
      'silver/market_snapshots',
      'gold/crypto_analytics_mart',
      'gold/market_segment_analysis',
    ]);
  });

  it('adds both with +key+', () => {
    expect(select(graph, '+silver/market_snapshots+')).toEqual([
      'bronze/markets',
      'silver/market_snapshots',
      'gold/crypto_analytics_mart',
      'gold/market_segment_analysis',
    ]);
  });

  it('unions terms separated by commas or spaces', () => {
    const expected = ['bronze/global', 'silver/coins', 'gold/market_segment_analysis'];
    expect(select(graph, 'gold/market_segment_analysis,bronze/global silver/coins')).toEqual(expected);
    expect(select(graph, ' gold/market_segment_analysis ,  bronze/global,silver/coins ')).toEqual(expected);
  });

  it('rejects a term that matches nothing, suggesting close keys', () => {
    const error = selectionError('bronze/global silver/market_snapshot');
    expect(error.message).toContain("'silver/market_snapshot'");
    expect(error.message).toContain('did you mean silver/market_snapshots?');
  });

  it('lists the valid keys when nothing is close', () => {
    const error = selectionError('+platinum/*');
    expect(error.message).toContain("'+platinum/*'");
    expect(error.message).toContain(`valid keys: ${graph.order.join(', ')}`);
  });

  it('rejects an empty expression', () => {
    expect(selectionError(' , ').message).toContain('empty selection');
  });

  it('treats regex characters in a glob literally', () => {
    expect(selectionError('gold/crypto.analytics_mart').message).toContain('did you mean gold/crypto_analytics_mart?');
  });
});
