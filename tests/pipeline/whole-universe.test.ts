/**
 * SLOW (about 8 s on PGlite): the whole CoinGecko universe (17,000 coins, 68 pages) through every
 * layer, as a production six-hourly run fetches it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunResult } from '../../src/core/executor.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import {
  bronzeDir,
  countQuarantine,
  countSilver,
  dumpGold,
  PARTITION,
  querySql,
  SNAPSHOT_AT,
  startPipeline,
  type Pipeline,
} from './pipeline-harness.js';

const COINS = 17_000;

describeEachBackend('SLOW whole-universe run: 17,000 coins end to end', (backend) => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let result: RunResult;

  beforeAll(async () => {
    database = await createTestDatabase('pipeline-universe', { backend });
    pipeline = await startPipeline(database, { env: { STRATA_COINS: String(COINS) }, fake: { coins: COINS } });
    result = (await pipeline.materialize(PARTITION)).result;
  }, 180_000);

  afterAll(async () => {
    await pipeline?.stop();
    await database?.destroy();
  });

  it('succeeds with 68 pages in bronze and 17,000 rows in silver', async () => {
    expect(result.steps.filter((step) => step.status !== 'SUCCESS')).toEqual([]);
    expect(result.status).toBe('SUCCESS');
    const manifest = JSON.parse(await readFile(join(bronzeDir(pipeline.dataDir, 'coingecko_markets', PARTITION), '_manifest.json'), 'utf8'));
    expect(manifest.rows).toBe(COINS);
    expect(manifest.files.filter((file: { request?: unknown }) => file.request !== undefined)).toHaveLength(68);
    expect(await countSilver(database, SNAPSHOT_AT)).toBe(COINS);
    expect(await countQuarantine(database, PARTITION)).toBe(0);
    const [ranks] = await querySql<{ distinct_ids: number; max_rank: number }>(
      database,
      'SELECT count(DISTINCT coin_id)::int AS distinct_ids, max(market_cap_rank) AS max_rank FROM silver.market_snapshots WHERE snapshot_at = $1::timestamptz',
      [SNAPSHOT_AT],
    );
    expect(ranks).toEqual({ distinct_ids: COINS, max_rank: COINS });
  });

  it('builds the marts over the whole universe', async () => {
    const { mart, segments } = await dumpGold(database, SNAPSHOT_AT);
    expect(mart.map((row) => row['market_cap_rank'])).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(segments.reduce((n, row) => n + (row['coin_count'] as number), 0)).toBe(COINS);
    // Synthetic copies have ever smaller market caps, so the long tail reaches the micro category.
    expect(segments.map((row) => row['market_cap_category'])).toContain('micro');
  });
});
