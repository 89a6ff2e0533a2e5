/**
 * `strata materialize <selection> --from KEY --to KEY` as a real process: a range rebuilt from
 * stored bronze with the fake CoinGecko stopped, and exit 2 naming the option for bad usage.
 * Usage does not depend on the backend: PGlite only (a copy of the migrated template).
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startFakeCoinGecko, type RunningFakeCoinGecko } from '../../src/pipeline/fake-coingecko/index.js';
import { storeBronze } from '../helpers/stored-bronze.js';
import { runStrata as strata } from '../helpers/strata-process.js';

describe('strata materialize --from --to', () => {
  let fake: RunningFakeCoinGecko | undefined;
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    fake = await startFakeCoinGecko();
    dataDir = await mkdtemp(join(tmpdir(), 'strata-materialize-range-'));
    env = { STRATA_DATA_DIR: dataDir, COINGECKO_BASE_URL: fake.url, COINGECKO_RATE_LIMIT_PER_MINUTE: '10000', COINGECKO_MAX_RETRIES: '0' };
    await cp(inject('pgliteTemplate'), join(dataDir, 'pglite'), { recursive: true });
  });

  afterAll(async () => {
    await fake?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  // Storing the bronze in this process, then the range in another: more than the default minute on a loaded machine.
  it('rebuilds silver over a range from stored bronze with the source stopped: each run, the skipped partition, the counts', { timeout: 180_000 }, async () => {
    // Stored as the schedule fetched it then: /coins/markets and /global serve only the current partition.
    await storeBronze({ dataDir, fake: fake as RunningFakeCoinGecko, partitionKey: '2025-02-09T12:00Z' });
    await fake?.close();
    fake = undefined;
    const result = await strata(['materialize', 'silver/*', '--from', '2025-02-09T12:00Z', '--to', '2025-02-09T18:00Z'], env);
    // Warn checks log to stderr (last_updated_fresh on a recording); nothing worse.
    expect(result.stderr).not.toMatch(/"level":(50|60)/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^materialize silver\/\*: 2 six_hourly partition\(s\) 2025-02-09T12:00Z \.\. 2025-02-09T18:00Z$/m);
    // silver/* resolves to the six-hourly silver assets (silver/price_history is daily).
    expect(result.stdout).toMatch(/^run \S+ {2}selection silver\/global_snapshots,silver\/imported_quotes,silver\/market_snapshots {2}partition 2025-02-09T12:00Z {2}SUCCESS$/m);
    expect(result.stdout).toMatch(/^silver\/market_snapshots\s+2025-02-09T12:00Z\s+SUCCESS\s+1\s+.*\s250\s/m);
    expect(result.stdout).toMatch(/^partition 2025-02-09T18:00Z {2}skipped: silver\/\S+ needs bronze\/\S+ \[2025-02-09T18:00Z\], which is not materialized/m);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('2 partition(s): 1 succeeded, 0 failed, 1 skipped');
  });

  const cases: [string[], RegExp][] = [
    [['materialize', 'silver/*', '--from', '2025-02-09T12:00Z'], /^strata: --from needs --to: a range has both ends \(got --from 2025-02-09T12:00Z\)$/m],
    [['materialize', 'silver/*', '--to', '2025-02-09T12:00Z'], /^strata: --to needs --from: a range has both ends/m],
    [
      ['materialize', 'silver/*', '--partition', '2025-02-09T12:00Z', '--from', '2025-02-09T12:00Z', '--to', '2025-02-09T12:00Z'],
      /^strata: materialize takes either --partition or --from\/--to, not both/m,
    ],
    [
      ['materialize', 'silver/*', '--from', '2025-02-09T18:00Z', '--to', '2025-02-09T12:00Z'],
      /^strata: --from\/--to: partition range '2025-02-09T18:00Z'..'2025-02-09T12:00Z' is reversed/m,
    ],
    [
      ['materialize', 'silver/market_snapshots', '--from', '2025-02-09', '--to', '2025-02-10'],
      /^strata: --from '2025-02-09' is not a partition key of selection 'silver\/market_snapshots': invalid six_hourly partition key/m,
    ],
    [
      ['materialize', 'silver/*', '--from', '2025-02-09T12:00Z', '--to', '2025-02-10'],
      /^strata: --to '2025-02-10' must be a six_hourly key like from '2025-02-09T12:00Z'/m,
    ],
    [['materialize', 'gold/nope', '--from', '2025-02-09', '--to', '2025-02-09'], /^strata: selection term 'gold\/nope' matches no asset/m],
  ];
  it.each(cases)('exits 2 naming the option, and runs nothing: %j', async (args, message) => {
    const result = await strata(args, env);
    expect([result.code, result.stdout]).toEqual([2, '']);
    expect(result.stderr).toMatch(message);
  });
});
