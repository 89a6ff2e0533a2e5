/**
 * Partitions the source cannot serve, as real `strata` processes: a past partition of a source
 * that serves only its present state, and a partition that has not started (for any asset, and
 * for ranges), exit 2 with the reason and what to do instead; no run, backfill or request is
 * made. Silver rebuilt from stored bronze for a past partition still runs.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dailyPartitions, sixHourlyPartitions } from '../../src/core/partitions.js';
import { startFakeCoinGecko, type RunningFakeCoinGecko } from '../../src/pipeline/fake-coingecko/index.js';
import { runStrata as strata } from '../helpers/strata-process.js';
import { storeBronze } from '../helpers/stored-bronze.js';

const PAST = '2025-02-09T12:00Z';
const DAY_MS = 86_400_000;

describe('strata refuses partitions the source cannot serve', () => {
  let fake: RunningFakeCoinGecko;
  let dataDir: string;
  let env: Record<string, string>;
  // Two days ahead: far from any window boundary the test could straddle.
  const futureWindow = sixHourlyPartitions.keyFor(new Date(Date.now() + 2 * DAY_MS));
  const futureDay = dailyPartitions.keyFor(new Date(Date.now() + 2 * DAY_MS));

  beforeAll(async () => {
    fake = await startFakeCoinGecko();
    dataDir = await mkdtemp(join(tmpdir(), 'strata-partition-refusal-'));
    env = { STRATA_DATA_DIR: dataDir, COINGECKO_BASE_URL: fake.url, COINGECKO_RATE_LIMIT_PER_MINUTE: '10000', COINGECKO_MAX_RETRIES: '0' };
    await cp(inject('pgliteTemplate'), join(dataDir, 'pglite'), { recursive: true });
  });

  afterAll(async () => {
    await fake?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const cases: [string, string[], RegExp][] = [
    [
      'a past partition of a present-only source',
      ['materialize', 'bronze/coingecko_markets', '--partition', PAST],
      new RegExp(
        `^strata: bronze/coingecko_markets serves only the current partition \\(servesPartitions: 'current'\\): .*would store today's data under a past key\\. ` +
          `The current six_hourly partition is \\S+\\. .*run it as a range: strata materialize 'bronze/coingecko_markets\\+' --from ${PAST} --to ${PAST} `,
      ),
    ],
    ['the whole graph for a past partition', ['materialize', '--partition', PAST], /^strata: bronze\/coingecko_\w+ serves only the current partition .*strata materialize '\*' --from /],
    [
      'a six-hourly partition that has not started, even for silver',
      ['materialize', 'silver/*', '--partition', futureWindow],
      new RegExp(`^strata: partition ${futureWindow} has not started yet \\(it starts at .*\\): no source has data for it`),
    ],
    ['a day that has not started', ['materialize', 'bronze/coingecko_price_history', '--partition', futureDay], new RegExp(`^strata: partition ${futureDay} has not started yet`)],
    ['a range reaching into the future', ['materialize', 'silver/*', '--from', PAST, '--to', futureWindow], new RegExp(`^strata: --to '${futureWindow}' reaches into the future: .*End the range at \\S+ at the latest\\.$`, 'm')],
    ['a backfill reaching into the future', ['backfill', 'gold/*', '--from', '2025-02-09', '--to', futureDay], new RegExp(`^strata: to '${futureDay}' reaches into the future`)],
  ];

  it.each(cases)('%s: exit 2, the reason on one line, nothing run', async (_name, args, message) => {
    const result = await strata(args, env);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect([result.code, result.stdout]).toEqual([2, '']);
  });

  it('left no run, no backfill and sent no request', async () => {
    expect(JSON.parse((await strata(['runs', '--json'], env)).stdout)).toEqual([]);
    expect(JSON.parse((await strata(['backfill', 'list', '--json'], env)).stdout)).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  // Two processes' worth of work (store, then reprocess): more than the default minute on a loaded machine.
  it('rebuilds silver for a past partition from its stored bronze, without a request', { timeout: 180_000 }, async () => {
    await storeBronze({ dataDir, fake, partitionKey: PAST });
    const requests = fake.requests.length;
    const result = await strata(['materialize', 'silver/*', '--partition', PAST], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^silver/market_snapshots\\s+${PAST}\\s+SUCCESS`, 'm'));
    expect(fake.requests.length).toBe(requests);
  });
});
