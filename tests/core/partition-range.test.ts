/**
 * Range steps (backfillPolicy 'single_run') in the core: definition-time validation, planning a
 * range run, and executing it: asset code sees the range, one asset:materialized per covered
 * key (each naming the range), step events labelled `first...last`, a downstream range step
 * reading the upstream from this run, a failure skipping downstream, and a skip list by the
 * range's step key.
 */
import { describe, expect, it } from 'vitest';
import { defineAsset } from '../../src/core/asset.js';
import { DefinitionError, InvalidSelectionError } from '../../src/core/errors.js';
import { executeRun, planRun } from '../../src/core/executor.js';
import { buildGraph } from '../../src/core/graph.js';
import { dailyPartitions } from '../../src/core/partitions.js';
import type { PartitionRange } from '../../src/core/types.js';
import { gapsWithin } from '../../src/pipeline/history/checkpoint.js';
import { runOptions } from './executor-fixtures.js';

const RANGE = { first: '2026-11-01', last: '2026-11-03' };

function rangeAssets(options: { failPrices?: boolean } = {}) {
  const seen: { asset: string; partition: string | undefined; range: PartitionRange | undefined; input?: unknown }[] = [];
  const prices = defineAsset({
    key: 'bronze/prices',
    layer: 'bronze',
    description: 'daily prices, a range per request',
    partitions: dailyPartitions,
    backfillPolicy: 'single_run',
    materialize: async (ctx) => {
      seen.push({ asset: ctx.assetKey, partition: ctx.partition?.key, range: ctx.partitionRange });
      if (options.failPrices) throw new Error('source down');
      return { value: { days: ctx.partitionRange?.keys.length ?? 1 } };
    },
  });
  const history = defineAsset({
    key: 'silver/history',
    layer: 'silver',
    description: 'loaded days',
    partitions: dailyPartitions,
    backfillPolicy: 'single_run',
    deps: { prices },
    materialize: async (ctx) => {
      seen.push({ asset: ctx.assetKey, partition: ctx.partition?.key, range: ctx.partitionRange, input: ctx.inputs.prices });
      return { value: { rows: ctx.inputs.prices.days } };
    },
  });
  const perDay = defineAsset({ key: 'gold/per_day', layer: 'gold', description: 'one run per day', partitions: dailyPartitions, deps: { history }, materialize: async () => ({ value: 1 }) });
  return { prices, history, perDay, seen };
}

describe('backfillPolicy at definition time', () => {
  const base = { layer: 'bronze' as const, description: '', materialize: async () => ({ value: 1 }) };
  it('needs partitions, a known value, and a source that serves the past', () => {
    expect(() => defineAsset({ ...base, key: 'bronze/a', backfillPolicy: 'single_run' })).toThrow(
      new DefinitionError("asset 'bronze/a': backfillPolicy 'single_run' needs partitions (a range of an unpartitioned asset is one run already)"),
    );
    expect(() => defineAsset({ ...base, key: 'bronze/b', partitions: dailyPartitions, backfillPolicy: 'single' as 'single_run' })).toThrow(/backfillPolicy must be one of 'single_run', 'multi_run', got 'single'/);
    expect(() => defineAsset({ ...base, key: 'bronze/c', partitions: dailyPartitions, servesPartitions: 'current', backfillPolicy: 'single_run' })).toThrow(/cannot go with servesPartitions 'current'/);
    expect(defineAsset({ ...base, key: 'bronze/d', partitions: dailyPartitions }).backfillPolicy).toBe('multi_run');
  });
});

describe('a range run', () => {
  it('refuses a per-partition asset in a range run, naming it', () => {
    const { prices, history, perDay } = rangeAssets();
    const graph = buildGraph([prices, history, perDay]);
    expect(() => planRun(graph, ['bronze/prices', 'gold/per_day'], undefined, RANGE)).toThrow(InvalidSelectionError);
    expect(() => planRun(graph, ['gold/per_day'], undefined, RANGE)).toThrow(/'gold\/per_day' runs one partition per run/);
  });

  it('runs one step per asset over the range: ctx.partitionRange, one materialization per key, range-labelled step events', async () => {
    const { prices, history, seen } = rangeAssets();
    const graph = buildGraph([prices, history]);
    const steps = planRun(graph, ['bronze/prices', 'silver/history'], undefined, RANGE);
    expect(steps.map((step) => [step.assetKey, step.partition?.key, step.range?.keys])).toEqual([
      ['bronze/prices', '2026-11-03', ['2026-11-01', '2026-11-02', '2026-11-03']],
      ['silver/history', '2026-11-03', ['2026-11-01', '2026-11-02', '2026-11-03']],
    ]);
    const { options, record } = runOptions(graph, steps);
    const result = await executeRun(options);
    expect(result.status).toBe('SUCCESS');
    expect(seen.map((each) => [each.asset, each.partition, each.range?.first.key, each.range?.last.key])).toEqual([
      ['bronze/prices', '2026-11-03', '2026-11-01', '2026-11-03'],
      ['silver/history', '2026-11-03', '2026-11-01', '2026-11-03'],
    ]);
    // Read from this run's output, not from storage (loadInput returns nothing).
    expect(seen[1]?.input).toEqual({ days: 3 });
    const events = record.events;
    expect(events.filter((event) => event.type === 'asset:materialized').map((event) => [event.assetKey, event.partition, 'range' in event ? event.range : undefined])).toEqual([
      ['bronze/prices', '2026-11-01', '2026-11-01...2026-11-03'],
      ['bronze/prices', '2026-11-02', '2026-11-01...2026-11-03'],
      ['bronze/prices', '2026-11-03', '2026-11-01...2026-11-03'],
      ['silver/history', '2026-11-01', '2026-11-01...2026-11-03'],
      ['silver/history', '2026-11-02', '2026-11-01...2026-11-03'],
      ['silver/history', '2026-11-03', '2026-11-01...2026-11-03'],
    ]);
    expect(events.filter((event) => event.type === 'step:succeeded').map((event) => 'partition' in event && event.partition)).toEqual([
      '2026-11-01...2026-11-03',
      '2026-11-01...2026-11-03',
    ]);
  });

  it('skips the downstream range step when the upstream one fails, naming the range', async () => {
    const { prices, history } = rangeAssets({ failPrices: true });
    const graph = buildGraph([prices, history]);
    const { options } = runOptions(graph, planRun(graph, ['bronze/prices', 'silver/history'], undefined, RANGE));
    const result = await executeRun(options);
    expect(result.steps.map((step) => [step.assetKey, step.partition, step.status, step.status === 'SKIPPED' ? step.error : undefined])).toEqual([
      ['bronze/prices', '2026-11-01...2026-11-03', 'FAILURE', undefined],
      ['silver/history', '2026-11-01...2026-11-03', 'SKIPPED', 'upstream bronze/prices [2026-11-01...2026-11-03] failed'],
    ]);
  });

  it('skips a range step listed by its range step key (re-execution from failure)', async () => {
    const { prices, history, seen } = rangeAssets();
    const graph = buildGraph([prices, history]);
    const { options } = runOptions(graph, planRun(graph, ['bronze/prices', 'silver/history'], undefined, RANGE), {
      skip: new Set(['bronze/prices|2026-11-01...2026-11-03']),
      loadInput: async (assetKey, partition) => (assetKey === 'bronze/prices' && partition === '2026-11-03' ? { days: 3 } : undefined),
    });
    const result = await executeRun(options);
    expect(result.steps.map((step) => step.status)).toEqual(['SKIPPED', 'SUCCESS']);
    expect(seen.map((each) => each.asset)).toEqual(['silver/history']);
  });
});

describe('gapsWithin (the price history over a range)', () => {
  it('is one fetch for a range with nothing loaded, one per run of missing days otherwise, reaching back from the first', () => {
    expect(gapsWithin([], '2025-01-01', '2025-01-30')).toEqual([{ firstDay: '2025-01-01', lastDay: '2025-01-30' }]);
    const loads = [
      { firstDay: '2024-12-20', lastDay: '2024-12-25' },
      { firstDay: '2025-01-10', lastDay: '2025-01-12' },
    ];
    expect(gapsWithin(loads, '2025-01-01', '2025-01-30')).toEqual([
      { firstDay: '2024-12-26', lastDay: '2025-01-09' },
      { firstDay: '2025-01-13', lastDay: '2025-01-30' },
    ]);
    expect(gapsWithin([{ firstDay: '2025-01-01', lastDay: '2025-01-30' }], '2025-01-01', '2025-01-30')).toEqual([]);
  });

  it('never fetches more than 365 days at once; a year of a new coin is one fetch', () => {
    expect(gapsWithin([], '2025-01-01', '2025-12-31')).toEqual([{ firstDay: '2025-01-01', lastDay: '2025-12-31' }]);
    const fetches = gapsWithin([], '2024-01-01', '2025-03-01');
    expect(fetches).toEqual([
      { firstDay: '2024-01-01', lastDay: '2024-12-30' },
      { firstDay: '2024-12-31', lastDay: '2025-03-01' },
    ]);
    // The reach-back stops where the first fetch would exceed the cap.
    expect(gapsWithin([{ firstDay: '2023-01-01', lastDay: '2023-01-01' }], '2024-12-01', '2024-12-31')).toEqual([{ firstDay: '2024-01-02', lastDay: '2024-12-31' }]);
  });
});
