/** `strata backfill` as real processes on PGlite and Postgres: queue, show, and exit 2 with the reason for bad input. */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startFakeCoinGecko, type RunningFakeCoinGecko } from '../../src/pipeline/fake-coingecko/index.js';
import { storeBronze } from '../helpers/stored-bronze.js';
import { runStrata as strata } from '../helpers/strata-process.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

describeEachBackend('strata backfill CLI', (backend) => {
  let fake: RunningFakeCoinGecko;
  let dataDir: string;
  let env: Record<string, string>;
  let postgres: TestDatabase | undefined;

  beforeAll(async () => {
    fake = await startFakeCoinGecko();
    dataDir = await mkdtemp(join(tmpdir(), 'strata-backfill-cli-'));
    env = { STRATA_DATA_DIR: dataDir, COINGECKO_BASE_URL: fake.url, COINGECKO_RATE_LIMIT_PER_MINUTE: '10000' };
    if (backend === 'postgres') {
      postgres = await createTestDatabase('backfill-cli', { backend: 'postgres' });
      env['DATABASE_URL'] = postgres.url ?? '';
    } else {
      await cp(inject('pgliteTemplate'), join(dataDir, 'pglite'), { recursive: true });
    }
  });

  afterAll(async () => {
    await postgres?.destroy();
    await fake?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('queues runs for the partitions it can rebuild, lists the skipped ones, and shows progress', async () => {
    // Stored as the schedule fetched it then: /coins/markets and /global serve only the current partition.
    await storeBronze({ dataDir, databaseUrl: postgres?.url, fake, partitionKey: '2025-02-09T12:00Z' });
    const requests = fake.requests.length;
    const created = await strata(['backfill', 'silver/*,gold/*', '--from', '2025-02-09T12:00Z', '--to', '2025-02-09T18:00Z'], env);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^backfill ([0-9a-f-]{36}): 1 run\(s\) queued for 2 six_hourly partition\(s\) 2025-02-09T12:00Z \.\. 2025-02-09T18:00Z$/m);
    expect(created.stdout).toMatch(/skipped 1 partition\(s\):\n {2}2025-02-09T18:00Z {2}silver\/\S+ needs bronze\/\S+ \[2025-02-09T18:00Z\], which is not materialized/);
    const id = /^backfill ([0-9a-f-]{36})/m.exec(created.stdout)?.[1] ?? '';
    const shown = await strata(['backfill', 'show', id], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`${id}\\s+REQUESTED\\s+silver/\\*,gold/\\*\\s+2025-02-09T12:00Z\\s+2025-02-09T18:00Z\\s+0/2\\s+0\\s+1\\s+1`));
    expect(fake.requests.length).toBe(requests);
  });

  it('exits 2 naming the bad selection, key or range', async () => {
    const cases: [string[], RegExp][] = [
      [['backfill', 'gold/nope', '--from', '2025-02-09T12:00Z', '--to', '2025-02-09T12:00Z'], /selection term 'gold\/nope' matches no asset/],
      [['backfill', '*', '--from', '2025-02-09T18:00Z', '--to', '2025-02-09T12:00Z'], /from\/to: partition range '2025-02-09T18:00Z'..'2025-02-09T12:00Z' is reversed/],
      [['backfill', '*', '--from', '2025-02-09T12:00', '--to', '2025-02-09T12:00Z'], /from '2025-02-09T12:00' is not a partition key of selection '\*'/],
      [['backfill', '*', '--from', '2025-02-09T12:00Z'], /backfill needs --from and --to .*--to is missing/],
    ];
    for (const [args, message] of cases) {
      const result = await strata(args, env);
      expect([args.join(' '), result.code]).toEqual([args.join(' '), 2]);
      expect(result.stderr).toMatch(message);
    }
  });
});
