/**
 * Which partitions a run may ask for: none that has not started, for any asset; only the current
 * one for an asset whose source serves only its present state; skipped steps are not checked.
 */
import { describe, expect, it } from 'vitest';
import { defineAsset } from '../../src/core/asset.js';
import { PartitionNotServableError } from '../../src/core/errors.js';
import { buildGraph } from '../../src/core/graph.js';
import { dailyPartitions, sixHourlyPartitions } from '../../src/core/partitions.js';
import { planRun } from '../../src/core/run-plan.js';
import { findUnservableStep } from '../../src/core/servable-partitions.js';
import { stepKey } from '../../src/core/step-key.js';
import { assertPartitionServable, assertRangeStarted } from '../../src/daemon/partition-refusal.js';

const NOW = new Date('2026-12-03T08:15:00Z');

const present = defineAsset({
  key: 'bronze/present',
  layer: 'bronze',
  description: 'a source with no history',
  partitions: sixHourlyPartitions,
  servesPartitions: 'current',
  materialize: async () => ({ value: 1 }),
});
const history = defineAsset({
  key: 'bronze/history',
  layer: 'bronze',
  description: 'a source that serves any past day',
  partitions: dailyPartitions,
  materialize: async () => ({ value: 1 }),
});
const clean = defineAsset({
  key: 'silver/clean',
  layer: 'silver',
  description: 'built from stored bronze',
  partitions: sixHourlyPartitions,
  deps: { present },
  materialize: async () => ({ value: 2 }),
});
const graph = buildGraph([present, history, clean]);

const steps = (keys: string[], partition: string) => planRun(graph, keys, partition);

describe('findUnservableStep', () => {
  it('lets every asset run for the current partition, and a present-only one for nothing else', () => {
    expect(findUnservableStep(graph, steps(['bronze/present', 'silver/clean'], '2026-12-03T06:00Z'), NOW)).toBeUndefined();
    expect(findUnservableStep(graph, steps(['bronze/present', 'silver/clean'], '2026-12-03T00:00Z'), NOW)).toMatchObject({
      reason: 'not_current',
      assetKey: 'bronze/present',
      partition: { key: '2026-12-03T00:00Z' },
      current: '2026-12-03T06:00Z',
    });
  });

  it('lets assets that serve any partition run for the past: silver from stored bronze, a history source for a past day', () => {
    expect(findUnservableStep(graph, steps(['silver/clean'], '2025-02-09T12:00Z'), NOW)).toBeUndefined();
    expect(findUnservableStep(graph, steps(['bronze/history'], '2025-02-09'), NOW)).toBeUndefined();
    expect(findUnservableStep(graph, steps(['bronze/history'], '2026-12-03'), NOW)).toBeUndefined();
  });

  it('refuses a partition that has not started for every asset, daily ones too, and checks it first', () => {
    expect(findUnservableStep(graph, steps(['silver/clean'], '2026-12-03T12:00Z'), NOW)).toMatchObject({ reason: 'not_started', assetKey: 'silver/clean' });
    expect(findUnservableStep(graph, steps(['bronze/history'], '2026-12-04'), NOW)).toMatchObject({ reason: 'not_started', assetKey: 'bronze/history' });
    expect(findUnservableStep(graph, steps(['bronze/present', 'silver/clean'], '2026-12-03T12:00Z'), NOW)).toMatchObject({ reason: 'not_started' });
  });

  it('the window that starts exactly now has started', () => {
    expect(findUnservableStep(graph, steps(['bronze/present'], '2026-12-03T06:00Z'), new Date('2026-12-03T06:00:00Z'))).toBeUndefined();
    expect(findUnservableStep(graph, steps(['bronze/present'], '2026-12-03T06:00Z'), new Date('2026-12-03T05:59:59.999Z'))).toMatchObject({ reason: 'not_started' });
  });

  it('does not check a step the run skips: a re-execution from failure reads the stored bronze', () => {
    const past = steps(['bronze/present', 'silver/clean'], '2026-12-03T00:00Z');
    expect(findUnservableStep(graph, past, NOW, new Set([stepKey('bronze/present', '2026-12-03T00:00Z')]))).toBeUndefined();
  });

  it('an unpartitioned asset is never refused', () => {
    const plain = defineAsset({ key: 'gold/plain', layer: 'gold', description: 'no partitions', materialize: async () => ({ value: 3 }) });
    expect(findUnservableStep(buildGraph([plain]), planRun(buildGraph([plain]), ['gold/plain'], undefined), NOW)).toBeUndefined();
  });
});

describe('defineAsset servesPartitions', () => {
  it("defaults to 'any' and rejects an unknown value or 'current' without partitions", () => {
    expect(clean.servesPartitions).toBe('any');
    expect(present.servesPartitions).toBe('current');
    const base = { key: 'bronze/x', layer: 'bronze', description: 'x', materialize: async () => ({ value: 1 }) } as const;
    expect(() => defineAsset({ ...base, partitions: sixHourlyPartitions, servesPartitions: 'past' as 'any' })).toThrow(
      "asset 'bronze/x': servesPartitions must be one of 'any', 'current', got 'past'",
    );
    expect(() => defineAsset({ ...base, servesPartitions: 'current' })).toThrow("asset 'bronze/x': servesPartitions 'current' needs partitions");
  });
});

describe('the refusal message', () => {
  const refusal = (fn: () => void): PartitionNotServableError => {
    try {
      fn();
    } catch (error) {
      if (error instanceof PartitionNotServableError) return error;
      throw error;
    }
    throw new Error('expected a refusal');
  };

  it('a past partition of a present-only asset: why, the current partition, and the range that reads stored bronze instead', () => {
    const error = refusal(() => assertPartitionServable(graph, { selection: '*', steps: steps(['bronze/present', 'silver/clean'], '2026-12-02T18:00Z') }, NOW));
    expect(error.code).toBe('PARTITION_NOT_CURRENT');
    expect(error.message).toBe(
      "bronze/present serves only the current partition (servesPartitions: 'current'): its source returns the present state and no history, " +
        "so a run for 2026-12-02T18:00Z would store today's data under a past key. The current six_hourly partition is 2026-12-03T06:00Z. " +
        'To rebuild 2026-12-02T18:00Z from the bronze already stored for it, without fetching, run it as a range: ' +
        "strata materialize '*' --from 2026-12-02T18:00Z --to 2026-12-02T18:00Z (API: POST /api/v1/backfills); a partition with no stored bronze is skipped with the reason.",
    );
  });

  it('with only present-only assets selected, the range suggested is their downstream', () => {
    const error = refusal(() => assertPartitionServable(graph, { selection: 'bronze/present', steps: steps(['bronze/present'], '2026-12-02T18:00Z') }, NOW));
    expect(error.message).toContain("strata materialize 'bronze/present+' --from 2026-12-02T18:00Z --to 2026-12-02T18:00Z");
  });

  it('a partition that has not started names when it starts and the current one', () => {
    const error = refusal(() => assertPartitionServable(graph, { selection: 'bronze/history', steps: steps(['bronze/history'], '2026-12-05') }, NOW));
    expect(error.code).toBe('PARTITION_NOT_STARTED');
    expect(error.message).toBe(
      'partition 2026-12-05 has not started yet (it starts at 2026-12-05T00:00:00.000Z, it is now 2026-12-03T08:15:00.000Z): ' +
        'no source has data for it, so bronze/history cannot be materialized for it. The current daily partition is 2026-12-03; run 2026-12-05 once it has started.',
    );
  });

  it('a range whose end has not started names the first future partition and where to end it', () => {
    expect(() => assertRangeStarted(sixHourlyPartitions, '2026-12-03T06:00Z', NOW)).not.toThrow();
    const error = refusal(() => assertRangeStarted(sixHourlyPartitions, '2026-12-04T00:00Z', NOW));
    expect(error.code).toBe('PARTITION_NOT_STARTED');
    expect(error.message).toBe(
      "to '2026-12-04T00:00Z' reaches into the future: partition 2026-12-03T12:00Z has not started yet (it starts at 2026-12-03T12:00:00.000Z, " +
        'it is now 2026-12-03T08:15:00.000Z) and no source has data for it. End the range at 2026-12-03T06:00Z at the latest.',
    );
  });
});
