/**
 * Gold's 7d/30d statistics read silver history: two snapshots 7 days apart with the same recorded
 * prices give a 7-day return of exactly 0, volatility over one point is NULL, and a doubled price a
 * week later is a return of exactly 100 %. A database of its own: other partitions in the 7-day
 * windows would change these numbers.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { JsonNumber, type JsonObject } from '../../src/pipeline/sources/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { exact } from './exact-decimal.js';
import { dumpGold, fixtureRows, pageBody, snapshotAt, startPipeline, type Pipeline } from './pipeline-harness.js';

const WEEK_BEFORE = '2025-02-02T12:00Z';
const PARTITION = '2025-02-09T12:00Z';
const WEEK_AFTER = '2025-02-16T12:00Z';

const exactOrNull = (value: unknown) => (value === null ? null : exact(String(value)));

describeEachBackend('gold history statistics across partitions', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;

  beforeAll(async () => {
    database = await createTestDatabase('pipeline-history', { backend });
    pipeline = await startPipeline(database);
  });

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  it('has no 7-day return without a snapshot a week earlier', async () => {
    const { result } = await pipeline.materialize(WEEK_BEFORE);
    expect(result.status).toBe('SUCCESS');
    const { mart } = await dumpGold(database, snapshotAt(WEEK_BEFORE));
    expect(mart).toHaveLength(50);
    for (const row of mart) {
      expect([row['coin_id'], row['return_7d_pct'], row['volatility_7d_pct'], row['return_30d_pct'], row['volatility_30d_pct']]).toEqual([
        row['coin_id'], null, null, null, null,
      ]);
    }
  });

  it('gives return_7d_pct exactly 0 for the same prices a week later, and NULL volatility over one point', async () => {
    const { result } = await pipeline.materialize(PARTITION);
    expect(result.status).toBe('SUCCESS');
    const { mart } = await dumpGold(database, snapshotAt(PARTITION));
    expect(mart).toHaveLength(50);
    for (const row of mart) {
      const id = row['coin_id'];
      // Window (t − 7d, t] holds only t; (t − 30d, t] holds both equal prices: variation 0.
      expect([id, exactOrNull(row['return_7d_pct']), row['volatility_7d_pct'], row['return_30d_pct'], exactOrNull(row['volatility_30d_pct'])]).toEqual([
        id, '0', null, null, '0',
      ]);
    }
  });

  it('gives return_7d_pct exactly 100 for a price that doubled in a week', async () => {
    const rows = fixtureRows();
    const bitcoin = rows[0] as JsonObject;
    expect(bitcoin['id']).toBe('bitcoin');
    bitcoin['current_price'] = new JsonNumber('192228.16963477378'); // 2 × 96114.08481738689
    pipeline.fake.script({ path: '/coins/markets', status: 200, body: pageBody(rows) });
    const { result } = await pipeline.materialize(WEEK_AFTER);
    expect(result.status).toBe('SUCCESS');
    const { mart } = await dumpGold(database, snapshotAt(WEEK_AFTER));
    const byId = new Map(mart.map((row) => [row['coin_id'], row]));
    expect(exactOrNull(byId.get('bitcoin')?.['return_7d_pct'])).toBe('100');
    expect(exactOrNull(byId.get('ethereum')?.['return_7d_pct'])).toBe('0');
    expect(byId.get('bitcoin')?.['volatility_7d_pct']).toBeNull();
    // Bitcoin's 30-day window now holds p, p, 2p: stddev_samp / mean × 100 = (p/√3) / (4p/3) × 100 = 43.30…
    expect(byId.get('bitcoin')?.['volatility_30d_pct']).toMatch(/^43\.30127018922\d*$/);
  });
});
