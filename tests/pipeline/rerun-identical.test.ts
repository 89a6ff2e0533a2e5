/**
 * Silver replaces a partition by deleting its rows and COPYing the new ones in: re-running the
 * partition from the same bronze must end exactly where the first run ended — the same rows in
 * silver.market_snapshots and silver.market_quotes, the same coins, the same quarantine (not
 * appended to) and the same check outcomes and metadata.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StepResult } from '../../src/core/executor.js';
import { JsonNumber, type JsonObject } from '../../src/pipeline/sources/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { dumpCoins, dumpGold, dumpQuarantine, dumpSilver, fixtureRows, pageBody, PARTITION, querySql, SNAPSHOT_AT, startPipeline, type Pipeline } from './pipeline-harness.js';

/** The recorded page with a row that fails validation and a coin listed twice: both quarantined. */
function pageWithBadRows(): string {
  const rows = fixtureRows();
  const [bitcoin, second] = rows as [JsonObject, JsonObject];
  second['current_price'] = 'not a number';
  rows.push({ ...bitcoin, current_price: new JsonNumber('1.5') });
  return pageBody(rows);
}

async function partitionState(database: TestDatabase) {
  return {
    silver: await dumpSilver(database, SNAPSHOT_AT),
    quotes: await querySql(database, 'SELECT * FROM silver.market_quotes WHERE snapshot_at = $1::timestamptz ORDER BY source, source_coin_id', [SNAPSHOT_AT]),
    coins: await dumpCoins(database),
    quarantine: await dumpQuarantine(database, PARTITION),
    gold: await dumpGold(database, SNAPSHOT_AT),
  };
}

/** The silver step's outcome. An anomaly check's message counts the samples it has learned from, which each run adds to. */
const silverStep = (steps: readonly StepResult[]) => {
  const step = steps.find((candidate) => candidate.assetKey === 'silver/market_snapshots');
  const checks = step?.checks?.map((outcome) => (outcome.check.endsWith('_anomaly') ? { ...outcome, message: 'learning' } : outcome));
  return { status: step?.status, metadata: step?.metadata, checks };
};

describeEachBackend('re-running silver/market_snapshots ends identical', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let first: Awaited<ReturnType<typeof partitionState>>;
  let firstStep: ReturnType<typeof silverStep>;

  beforeAll(async () => {
    database = await createTestDatabase('pipeline-rerun', { backend });
    pipeline = await startPipeline(database);
    pipeline.fake.script({ path: '/coins/markets', status: 200, body: pageWithBadRows() });
    const { result } = await pipeline.materialize(PARTITION);
    expect(result.status).toBe('SUCCESS');
    first = await partitionState(database);
    firstStep = silverStep(result.steps);
  });

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  it('the first run loaded 249 rows and quarantined the bad row and the repeat', () => {
    expect(first.silver).toHaveLength(249);
    expect(first.quotes).toHaveLength(249);
    expect(first.quarantine.map((row) => row['reason'])).toEqual([expect.stringContaining('current_price'), "duplicate coin id 'bitcoin' in this snapshot"]);
    expect(firstStep.metadata).toMatchObject({ rows: 249, quarantined: 2, quarantined_duplicate: 1, bronze_rows: 251 });
    expect(firstStep.checks?.length).toBeGreaterThan(0);
  });

  it('silver re-run twice from the same bronze: same rows, quotes, coins, quarantine, checks and metadata', async () => {
    for (let run = 0; run < 2; run++) {
      const { result } = await pipeline.materialize(PARTITION, 'silver/market_snapshots');
      expect(result.status).toBe('SUCCESS');
      expect(silverStep(result.steps)).toEqual(firstStep);
      expect(await partitionState(database)).toEqual(first);
    }
  });
});
