/**
 * Silver loads one partition in one transaction: a failure part-way through (after the
 * partition's rows were deleted and the new ones COPYed in, after coins were merged) leaves the previous silver state exactly as it was, the run
 * fails naming the asset and partition, and the gold steps downstream are skipped.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StepResult } from '../../src/core/executor.js';
import { loadSql } from '../../src/pipeline/sql-files.js';
import { JsonNumber, type JsonObject } from '../../src/pipeline/sources/index.js';
import { getRun } from '../../src/storage/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import {
  dumpCoins,
  dumpGold,
  dumpQuarantine,
  dumpSilver,
  fixtureRows,
  interceptSessions,
  pageBody,
  PARTITION,
  querySql,
  SNAPSHOT_AT,
  startPipeline,
  type Pipeline,
} from './pipeline-harness.js';

/** The recorded page changed the way a later fetch would change it: new prices, a renamed coin, one coin gone, one bad row. */
function changedPage(): string {
  const rows = fixtureRows().slice(0, 249);
  const [bitcoin, second, third] = rows as [JsonObject, JsonObject, JsonObject];
  bitcoin['current_price'] = new JsonNumber('123456.789');
  bitcoin['name'] = 'Bitcoin (renamed)';
  second['market_cap'] = new JsonNumber('1');
  third['current_price'] = 'not a number';
  return pageBody(rows);
}

async function snapshotState(database: TestDatabase) {
  return {
    silver: await dumpSilver(database, SNAPSHOT_AT),
    quarantine: await dumpQuarantine(database, PARTITION),
    coins: await dumpCoins(database),
    quotes: await querySql(database, 'SELECT * FROM silver.market_quotes WHERE snapshot_at = $1::timestamptz ORDER BY source, source_coin_id', [SNAPSHOT_AT]),
    gold: await dumpGold(database, SNAPSHOT_AT),
  };
}

const statusOf = (steps: readonly StepResult[]) => Object.fromEntries(steps.map((step) => [step.assetKey, step.status]));

describeEachBackend('silver/market_snapshots fails atomically', (backend) => {
  let database: TestDatabase;
  let healthy: Pipeline;
  let before: Awaited<ReturnType<typeof snapshotState>>;

  beforeAll(async () => {
    database = await createTestDatabase('pipeline-atomic', { backend });
    healthy = await startPipeline(database);
    const { result } = await healthy.materialize(PARTITION);
    expect(result.status).toBe('SUCCESS');
    before = await snapshotState(database);
  });

  afterAll(async () => {
    await healthy?.stop();
    await database?.destroy();
  });

  // Failing at the coins merge leaves the snapshot deleted and half replaced unless the
  // transaction rolls back; failing at the quotes or quarantine COPY also leaves merged coins.
  it.each([
    { at: 'the coins merge', matches: (statement: string) => statement === loadSql('silver/merge_coins.sql') },
    { at: 'the quotes COPY', matches: (statement: string) => statement.startsWith('COPY silver.market_quotes') },
    { at: 'the quarantine COPY', matches: (statement: string) => statement.startsWith('COPY silver.quarantine') },
  ])('a failure at $at leaves the previous silver state intact and skips gold', async ({ at, matches }) => {
    const seen: string[] = [];
    const failing = await startPipeline(database, {
      sharedFake: healthy.fake,
      dataDir: healthy.dataDir,
      resources: (resources) =>
        interceptSessions(resources, (statement) => {
          seen.push(statement);
          if (matches(statement)) throw new Error(`injected failure at ${at}`);
        }),
    });
    healthy.fake.script({ path: '/coins/markets', status: 200, body: changedPage() });
    const { run, result } = await failing.materialize(PARTITION);

    // The failure happened after the partition's rows were deleted and the new ones COPYed in.
    expect(seen.some((statement) => statement.startsWith('DELETE FROM silver.market_snapshots'))).toBe(true);
    expect(seen.some((statement) => statement.startsWith('COPY silver.market_snapshots'))).toBe(true);
    expect(seen).toContain(loadSql('silver/merge_coins.sql'));
    expect(result.status).toBe('FAILURE');
    expect(statusOf(result.steps)).toEqual({
      'bronze/coingecko_markets': 'SUCCESS',
      'bronze/coingecko_global': 'SUCCESS',
      'silver/global_snapshots': 'SUCCESS',
      'silver/market_snapshots': 'FAILURE',
      'gold/crypto_analytics_mart': 'SKIPPED',
      'gold/market_segment_analysis': 'SKIPPED',
      'gold/source_reconciliation': 'SKIPPED',
      // Unpartitioned, so in every `*` run; it depends on nothing and imports nothing without inbox tags.
      'silver/imported_quotes': 'SUCCESS',
    });
    const failed = result.steps.find((step) => step.assetKey === 'silver/market_snapshots');
    expect(failed?.error).toContain(`silver/market_snapshots [${PARTITION}]`);
    expect(failed?.error).toContain(`injected failure at ${at}`);
    const stored = await getRun(database.db, run.id);
    expect(stored?.status).toBe('FAILURE');

    expect(await snapshotState(database)).toEqual(before);
  });

  it('the same changed page, without a failure, does change silver (so the checks above can fail)', async () => {
    healthy.fake.script({ path: '/coins/markets', status: 200, body: changedPage() });
    const { result } = await healthy.materialize(PARTITION);
    expect(result.status).toBe('SUCCESS');
    const after = await snapshotState(database);
    expect(after.silver).toHaveLength(248);
    expect(after.quarantine).toHaveLength(1);
    expect(after.silver.find((row) => row['coin_id'] === 'bitcoin')).toMatchObject({ current_price: '123456.789', name: 'Bitcoin (renamed)' });
    expect(after.coins.find((row) => row['coin_id'] === 'bitcoin')).toMatchObject({ name: 'Bitcoin (renamed)' });
    expect(after.silver).not.toEqual(before.silver);
    expect(after.quotes).toHaveLength(248);
    expect(after.quotes).not.toEqual(before.quotes);
    expect(after.gold).not.toEqual(before.gold);
  });
});
