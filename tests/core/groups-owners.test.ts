/** Groups and owners: validated by defineAsset, carried by the graph's nodes. */
import { describe, expect, it } from 'vitest';
import { defineAsset } from '../../src/core/asset.js';
import { DefinitionError } from '../../src/core/errors.js';
import { buildGraph } from '../../src/core/graph.js';
import { pipelineGraph } from '../helpers/shipped-definitions.js';

const asset = (extra: { group?: string; owners?: readonly string[] }) =>
  defineAsset({ key: 'silver/orders', layer: 'silver', description: 'orders', materialize: async () => ({ value: 1 }), ...extra });

describe('groups and owners', () => {
  it('carries them into the graph node; none gives a null group and no owners', () => {
    const grouped = buildGraph([asset({ group: 'sales_eu-2', owners: ['team:sales', 'ana@example.com', 'bob'] })]);
    expect(grouped.nodes[0]).toMatchObject({ group: 'sales_eu-2', owners: ['team:sales', 'ana@example.com', 'bob'] });
    expect(buildGraph([asset({})]).nodes[0]).toMatchObject({ group: null, owners: [] });
  });

  it('rejects a group that is empty, too long, upper case or has other characters, and says what is allowed', () => {
    for (const group of ['', 'Sales', 'sales eu', 'sales/eu', 'x'.repeat(65)]) {
      expect(() => asset({ group })).toThrow(DefinitionError);
      expect(() => asset({ group })).toThrow(/asset 'silver\/orders': group .* must be 1 to 64 characters of lowercase letters, digits, '_' and '-'/);
    }
    expect(asset({ group: 'x'.repeat(64) }).group).toHaveLength(64);
  });

  it('rejects an owner that is neither an e-mail nor a team/user name, and a duplicate', () => {
    for (const owner of ['', ' ', 'two words', 'ana@', '@example.com', '-team']) {
      expect(() => asset({ owners: [owner] })).toThrow(/owner '.*' must be an e-mail address or a team\/user name/);
    }
    expect(() => asset({ owners: ['bob', 'bob'] })).toThrow(/owner 'bob' is listed twice/);
    expect(() => asset({ owners: 'bob' as unknown as string[] })).toThrow(/owners must be an array/);
  });

  it('keeps its own frozen copy of the owners', () => {
    const owners = ['bob'];
    const defined = asset({ owners });
    owners.push('eve');
    expect(defined.owners).toEqual(['bob']);
    expect(Object.isFrozen(defined.owners)).toBe(true);
  });

  it('puts every shipped asset in a group: by source, price history, marts', () => {
    const graph = pipelineGraph({ sources: ['coingecko', 'coinpaprika'], historyCoins: 50, goldAutomation: 'off' });
    const groups = Object.fromEntries(graph.nodes.map((node) => [node.key, node.group]));
    expect(groups).toMatchObject({
      'bronze/coingecko_markets': 'coingecko',
      'silver/market_snapshots': 'coingecko',
      'bronze/coinpaprika_tickers': 'coinpaprika',
      'silver/coinpaprika_tickers': 'coinpaprika',
      'silver/price_history': 'price_history',
      'gold/crypto_analytics_mart': 'marts',
    });
    expect(graph.nodes.filter((node) => node.group === null)).toEqual([]);
  });
});
