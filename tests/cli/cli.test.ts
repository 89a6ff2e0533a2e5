/**
 * The newcomer's path, as real processes: `strata materialize` against the local fake CoinGecko,
 * then `strata runs` and `strata assets`. The PGlite data directory is a copy of the migrated
 * template (initdb per test would be slow); on Postgres, a fresh database.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { startFakeCoinGecko, type RunningFakeCoinGecko } from '../../src/pipeline/fake-coingecko/index.js';
import { openDatabase, type StrataDatabase } from '../../src/storage/index.js';
import { runStrata as strata } from '../helpers/strata-process.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

describeEachBackend('strata CLI', (backend) => {
  let fake: RunningFakeCoinGecko;
  let dataDir: string;
  let env: Record<string, string>;
  let postgres: TestDatabase | undefined;
  let database: StrataDatabase;

  beforeAll(async () => {
    fake = await startFakeCoinGecko();
    dataDir = await mkdtemp(join(tmpdir(), 'strata-cli-'));
    env = { STRATA_DATA_DIR: dataDir, COINGECKO_BASE_URL: fake.url, COINGECKO_RATE_LIMIT_PER_MINUTE: '10000' };
    if (backend === 'postgres') {
      postgres = await createTestDatabase('cli', { backend: 'postgres' });
      env['DATABASE_URL'] = postgres.url ?? '';
      database = postgres;
    } else {
      await cp(inject('pgliteTemplate'), join(dataDir, 'pglite'), { recursive: true });
    }
  });

  afterAll(async () => {
    if (backend === 'pglite') await database?.close();
    await postgres?.destroy();
    await fake?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  // The current partition: the default, and the only one the CoinGecko sources can fetch.
  let partition: string;

  it('materializes the whole graph: exit 0, a summary table, silver and gold filled', async () => {
    const result = await strata(['materialize'], env);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    partition = /partition (\S+)\s+SUCCESS/.exec(result.stdout)?.[1] ?? '';
    expect(partition).toMatch(/^\d{4}-\d{2}-\d{2}T(00|06|12|18):00Z$/);
    for (const key of ['bronze/coingecko_markets', 'silver/market_snapshots', 'gold/crypto_analytics_mart', 'gold/market_segment_analysis']) {
      expect(result.stdout).toMatch(new RegExp(`${key}\\s+${partition}\\s+SUCCESS`));
    }

    if (backend === 'pglite') database = await openDatabase({ dataDir });
    const counts = await sql<{ silver: number; gold: number; segments: number }>`
      SELECT (SELECT count(*) FROM silver.market_snapshots) AS silver,
             (SELECT count(*) FROM gold.crypto_analytics_mart) AS gold,
             (SELECT count(*) FROM gold.market_segment_analysis) AS segments`.execute(database.db);
    expect(counts.rows[0]).toEqual({ silver: 250, gold: 50, segments: 4 });
    if (backend === 'pglite') await database.close();
  });

  it('lists the run and the assets', async () => {
    const runs = await strata(['runs', '--json'], env);
    expect(runs.code).toBe(0);
    const parsed = JSON.parse(runs.stdout) as { status: string; partitionKey: string }[];
    expect(parsed.map((run) => [run.status, run.partitionKey])).toEqual([['SUCCESS', partition]]);

    const assets = await strata(['assets'], env);
    expect(assets.code).toBe(0);
    expect(assets.stdout).toMatch(/gold\/crypto_analytics_mart\s+six_hourly\s+silver\/global_snapshots, silver\/market_snapshots/);
  });

  it('fails with exit 1 and names the asset when the source refuses', async () => {
    fake.script({ path: '/coins/markets', status: 400, body: '{"error":"invalid vs_currency"}' });
    const result = await strata(['materialize', 'bronze/coingecko_markets+'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/bronze\/coingecko_markets\s+\S+\s+FAILURE/);
    expect(result.stdout).toMatch(/silver\/market_snapshots\s+\S+\s+SKIPPED/);
    expect(result.stdout).toContain('400');
  });

  it('rejects bad input with exit 2 and a message that says what was wrong', async () => {
    const badPartition = await strata(['materialize', '--partition', '2025-02-09T13:00Z'], env);
    expect(badPartition.code).toBe(2);
    expect(badPartition.stderr).toContain("invalid six_hourly partition key '2025-02-09T13:00Z'");

    const badSelection = await strata(['materialize', 'silver/nope'], env);
    expect(badSelection.code).toBe(2);
    expect(badSelection.stderr).toContain("'silver/nope'");

    const badConfig = await strata(['runs'], { ...env, STRATA_COINS: 'many' });
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toContain('STRATA_COINS');

    const unknown = await strata(['frobnicate'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
  });
});
