/**
 * `strata/testing` as a project uses it: the shipped pipeline plus the project's own assets, on
 * a fresh in-memory database with the fake CoinGecko. This file creates a PGlite from scratch
 * (the other tests copy a template instead) because the in-memory database is what it tests.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defineAsset, defineDefinitions, sixHourlyPartitions } from '../../src/index.js';
import cryptoPipeline, { marketSnapshots } from '../../src/pipeline/index.js';
import { createTestStrata, FAKE_COINGECKO_PARTITION, type TestStrata } from '../../src/testing/index.js';

const snapshotCount = defineAsset({
  key: 'gold/snapshot_count',
  layer: 'gold',
  description: 'Coins in each snapshot, read back from silver.',
  deps: { snapshots: marketSnapshots },
  partitions: sixHourlyPartitions,
  async materialize(ctx) {
    const snapshotAt = ctx.partition?.start.toISOString();
    const result = await ctx.resources.database.withSession((session) =>
      session.query<{ coins: number }>('SELECT count(*)::int AS coins FROM silver.market_snapshots WHERE snapshot_at = $1', [snapshotAt]),
    );
    const coins = result.rows[0]?.coins ?? 0;
    return { value: { coins }, metadata: { coins } };
  },
});

const broken = defineAsset({
  key: 'gold/broken',
  layer: 'gold',
  description: 'Always fails.',
  partitions: sixHourlyPartitions,
  materialize() {
    throw new Error('no such mart');
  },
});

let strata: TestStrata;

beforeAll(async () => {
  strata = await createTestStrata({
    definitions: (context) => defineDefinitions({ include: [cryptoPipeline(context)], assets: [snapshotCount, broken] }),
    env: { STRATA_HISTORY_COINS: '0' },
  });
}, 180_000);

afterAll(() => strata?.close());

it("materializes an asset and its upstream at the recording's partition, from the fake CoinGecko", async () => {
  const run = await strata.materialize('+gold/snapshot_count');
  expect(run.failures).toEqual([]);
  expect(run.status).toBe('SUCCESS');
  expect(run.steps.map((step) => [step.assetKey, step.partition])).toEqual([
    ['bronze/coingecko_markets', FAKE_COINGECKO_PARTITION],
    ['silver/market_snapshots', FAKE_COINGECKO_PARTITION],
    ['gold/snapshot_count', FAKE_COINGECKO_PARTITION],
  ]);
  const [row] = await strata.query<{ coins: number }>('SELECT count(*)::int AS coins FROM silver.market_snapshots WHERE snapshot_at = $1', [
    '2025-02-09T12:00:00Z',
  ]);
  expect(row?.coins).toBeGreaterThan(200);
  expect(run.steps.at(-1)?.metadata).toEqual({ coins: row?.coins });
});

it('names a failed step and its error in failures', async () => {
  const run = await strata.materialize('gold/broken');
  expect(run.status).toBe('FAILURE');
  expect(run.failures).toEqual([`gold/broken [${FAKE_COINGECKO_PARTITION}] FAILURE: no such mart`]);
});

it('rejects a selection that names no asset', async () => {
  await expect(strata.materialize('gold/nope')).rejects.toThrow(/gold\/nope/);
});
