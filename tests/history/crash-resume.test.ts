/**
 * Crash-resume of a price-history backfill as real processes: `strata materialize
 * bronze/coingecko_price_history,silver/price_history --from D1 --to D12` for 5 coins against
 * Postgres and the fake on a real port (one range run: the assets are single_run, so one
 * request per coin covers the 12 days), SIGKILLed the moment it asks for its (K+1)-th range
 * (K coins answered, mid-range), then started again and run to the end. From the fake's request
 * log, every (coin, day) of the range was served in exactly one response the process received,
 * none is missing, and silver holds every coin-day. Postgres only: PGlite is one process's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeCoinGecko, type RecordedRequest, type RunningFakeCoinGecko } from '../../src/pipeline/fake-coingecko/index.js';
import { POSTGRES_SKIP_REASON, postgresTestUrl } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { ROOT, outputOf } from '../helpers/strata-process.js';
import { HISTORY_SELECTION, TOP_5, querySql, rangeRequests, startHistoryPipeline, type HistoryPipeline } from './history-harness.js';

const FROM = '2025-03-01';
const TO = '2025-03-12';
const DAYS = Array.from({ length: 12 }, (_, index) => `2025-03-${String(index + 1).padStart(2, '0')}`);
/** Range requests answered before the kill: 2 of the 5 coins. */
const ANSWERED_BEFORE_KILL = 2;

function spawnMaterialize(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'materialize', HISTORY_SELECTION, '--from', FROM, '--to', TO], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const describePostgres = postgresTestUrl() === undefined ? describe.skip : describe;
const title = `price history backfill killed mid-partition and restarted${postgresTestUrl() === undefined ? ` (skipped: ${POSTGRES_SKIP_REASON})` : ''}`;

describePostgres(title, () => {
  let database: TestDatabase;
  let fake: RunningFakeCoinGecko;
  let pipeline: HistoryPipeline;
  let dataDir: string;
  /** Set by the test: runs as each request arrives; the request waits for it. */
  let onRequest: (request: RecordedRequest) => Promise<void> = async () => {};

  beforeAll(async () => {
    database = await createTestDatabase('history-crash', { backend: 'postgres' });
    fake = await startFakeCoinGecko({ onRequest: (request) => onRequest(request) });
    dataDir = await mkdtemp(join(tmpdir(), 'strata-history-crash-'));
    pipeline = await startHistoryPipeline(database, { shared: { fake, dataDir } });
    expect((await pipeline.loadMarkets()).result.status).toBe('SUCCESS');
  });

  afterAll(async () => {
    await fake?.close();
    await database?.destroy();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it('fetches every coin-day exactly once across the kill, and silver holds them all', { timeout: 120_000 }, async () => {
    const env = {
      DATABASE_URL: database.url as string,
      STRATA_DATA_DIR: dataDir,
      COINGECKO_BASE_URL: fake.url,
      COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
      COINGECKO_MAX_RETRIES: '0',
      STRATA_HISTORY_COINS: '5',
      // The killed run keeps its `coingecko` pool slot until its heartbeat is this old; no
      // monitor runs beside `strata materialize`, so the restart must free it by itself.
      STRATA_HEARTBEAT_TIMEOUT: '2',
    };
    const first = spawnMaterialize(env);
    const firstOutput = outputOf(first);
    let killedAt: RecordedRequest | undefined;
    let ranges = 0;
    onRequest = async (request) => {
      if (!request.path.endsWith('/market_chart/range') || killedAt !== undefined) return;
      ranges += 1;
      if (ranges <= ANSWERED_BEFORE_KILL) return;
      // The K-th response is processed (the process asks for the next range only after
      // recording it); this request is never answered to the process.
      killedAt = request;
      const exited = new Promise((resolve) => first.once('exit', resolve));
      first.kill('SIGKILL');
      await exited;
    };
    const killed = await firstOutput;
    expect(killed.code, killed.stderr).toBeNull();
    expect(killedAt).toBeDefined();

    const second = await outputOf(spawnMaterialize(env));
    expect(second.code, second.stderr + second.stdout).toBe(0);
    // The restart is one range run again; it fetches the 3 coins the killed one had not landed.
    expect(second.stdout).toMatch(/^bronze\/coingecko_price_history\s+2025-03-01\.\.\.2025-03-12\s+SUCCESS\s+1\s/m);
    expect(second.stdout.trimEnd().split('\n').at(-1)).toBe(
      '12 partition(s): 12 succeeded, 0 failed, 0 skipped; 1 run(s), of which 1 range run covering 2025-03-01...2025-03-12 (single_run assets)',
    );

    const received = rangeRequests(fake.requests.filter((request) => request !== killedAt));
    expect(received.every((request) => request.status === 200)).toBe(true);
    const served = new Map<string, number>();
    for (const request of received) {
      for (let at = Date.parse(request.from); at <= Date.parse(request.to); at += 86_400_000) {
        const key = `${request.coin} ${new Date(at).toISOString().slice(0, 10)}`;
        served.set(key, (served.get(key) ?? 0) + 1);
      }
    }
    const expected = TOP_5.flatMap((coin) => DAYS.map((day) => `${coin} ${day}`)).sort();
    expect([...served.keys()].sort()).toEqual(expected);
    expect([...served.entries()].filter(([, count]) => count !== 1)).toEqual([]);
    // One request per coin in all: the restart fetched only what the killed process had not received.
    expect(received.length).toBe(5);

    const silver = await querySql<{ coin_id: string; day: string }>(database, 'SELECT coin_id, day FROM silver.price_history ORDER BY coin_id, day');
    expect(silver.map((row) => `${row.coin_id} ${row.day}`).sort()).toEqual(expected);
    expect(await querySql(database, 'SELECT count(*)::int AS n FROM silver.price_history_pending')).toEqual([{ n: 0 }]);
  });
});
