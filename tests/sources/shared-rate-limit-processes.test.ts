/**
 * Issue 12, item 4: two Strata processes on one Postgres database, each materializing
 * `bronze/coingecko_markets` (4 pages), against a fake CoinGecko that serves 4 requests per
 * rolling window and answers 429 above that. With the limit in the database the processes share
 * one window: zero 429s. (With one window per process, each sent its 4 at once: 429s.)
 *
 * The window is 2 s (COINGECKO_RATE_LIMIT_WINDOW_MS) so the test takes seconds, not minutes; the
 * fake counts the same 2 s, with no slack: a request counts in the limiter until it has ended,
 * so however late it reached the server, the next window opens no earlier than the server's.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeCoinGecko, type RunningFakeCoinGecko } from '../../src/pipeline/fake-coingecko/index.js';
import { migrateAll } from '../../src/runtime.js';
import { outputOf, spawnStrata } from '../helpers/strata-process.js';
import { POSTGRES_SKIP_REASON, postgresTestUrl } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { maxInWindow } from './recording-clock.js';

const LIMIT = 4;
const WINDOW_MS = 2_000;
const PAGES = 4;

const describePostgres = postgresTestUrl() === undefined ? describe.skip : describe;
const title = postgresTestUrl() === undefined ? ` (skipped: ${POSTGRES_SKIP_REASON})` : '';

describePostgres(`source rate limit shared by processes [postgres]${title}`, () => {
  let database: TestDatabase;
  let fake: RunningFakeCoinGecko;
  const dataDirs: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('shared_rate_limit', { backend: 'postgres' });
    // Migrated here, so the two processes do not both start by migrating.
    await migrateAll(database);
    fake = await startFakeCoinGecko({ coins: PAGES * 250, rateLimit: { requests: LIMIT, windowMs: WINDOW_MS, retryAfterSeconds: 1 } });
  });
  afterAll(async () => {
    await fake?.close();
    await database?.destroy();
    for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
  });

  async function materializeProcess() {
    // Each process its own bronze directory: only the database (and the source's limit) is shared.
    const dataDir = await mkdtemp(join(tmpdir(), 'strata-shared-limit-'));
    dataDirs.push(dataDir);
    return outputOf(
      spawnStrata(['materialize', 'bronze/coingecko_markets'], {
        DATABASE_URL: database.url ?? '',
        STRATA_DATA_DIR: dataDir,
        COINGECKO_BASE_URL: fake.url,
        STRATA_COINS: String(PAGES * 250),
        COINGECKO_RATE_LIMIT_PER_MINUTE: String(LIMIT),
        COINGECKO_RATE_LIMIT_WINDOW_MS: String(WINDOW_MS),
        COINGECKO_MAX_RETRIES: '3',
      }),
    );
  }

  it('two processes fetching at once stay within the limit: zero 429s', async () => {
    const outputs = await Promise.all([materializeProcess(), materializeProcess()]);
    for (const output of outputs) expect(output, output.stderr).toMatchObject({ code: 0 });

    const markets = fake.requests.filter((request) => request.path === '/coins/markets');
    expect(markets.filter((request) => request.status === 429)).toHaveLength(0);
    expect(markets.filter((request) => request.status === 200)).toHaveLength(2 * PAGES);
    expect(maxInWindow(markets.map((request) => request.at.getTime()), WINDOW_MS)).toBeLessThanOrEqual(LIMIT);
  }, 120_000);
});
