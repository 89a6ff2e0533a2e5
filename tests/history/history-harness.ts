/**
 * The price-history assets over a runtime as the CLI builds it (a test database, a fresh data
 * directory, the fake CoinGecko on a real port, STRATA_HISTORY_COINS=5), plus the queries the
 * history tests share.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import type { Resources } from '../../src/core/types.js';
import { materialize } from '../../src/daemon/execute-run.js';
import { createLogger } from '../../src/logger.js';
import { FetchTimeClock } from '../helpers/fetch-time-clock.js';
import { startFakeCoinGecko, type RecordedRequest, type RunningFakeCoinGecko } from '../../src/pipeline/fake-coingecko/index.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import type { StrataDatabase } from '../../src/storage/index.js';

export const HISTORY_SELECTION = 'bronze/coingecko_price_history,silver/price_history';
/** The recorded markets page's partition: its top 5 are bitcoin, ethereum, tether, ripple, solana. */
export const MARKETS_PARTITION = '2025-02-09T12:00Z';
export const TOP_5 = ['bitcoin', 'ethereum', 'tether', 'ripple', 'solana'];

export interface HistoryPipeline {
  readonly runtime: Runtime;
  readonly fake: RunningFakeCoinGecko;
  readonly dataDir: string;
  /** Real time until `loadMarkets` (or `clock.at`) moves it to a partition's scheduled time. */
  readonly clock: FetchTimeClock;
  /** Loads the recorded markets snapshot (the coins history is fetched for). */
  loadMarkets(): ReturnType<typeof materialize>;
  history(day: string, selection?: string): ReturnType<typeof materialize>;
  stop(): Promise<void>;
}

export async function startHistoryPipeline(
  database: StrataDatabase,
  options: {
    env?: Record<string, string>;
    resources?: (resources: Resources) => Resources;
    /** A fake (and data directory) the test owns and shares with a child process; not stopped here. */
    shared?: { fake: RunningFakeCoinGecko; dataDir: string };
  } = {},
): Promise<HistoryPipeline> {
  const fake = options.shared?.fake ?? (await startFakeCoinGecko());
  const dataDir = options.shared?.dataDir ?? (await mkdtemp(join(tmpdir(), 'strata-history-')));
  const config = loadConfig({
    STRATA_DATA_DIR: dataDir,
    COINGECKO_BASE_URL: fake.url,
    COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
    COINGECKO_MAX_RETRIES: '0',
    STRATA_HISTORY_COINS: '5',
    ...options.env,
  });
  const clock = new FetchTimeClock();
  const runtime = await openRuntime(config, createLogger({ level: 'silent', pretty: false }), {
    database,
    clock,
    ...(options.resources ? { resources: options.resources } : {}),
  });
  return {
    runtime,
    fake,
    dataDir,
    clock,
    // /coins/markets serves only the current partition: fetched at the time its schedule would.
    loadMarkets: () => {
      clock.at(MARKETS_PARTITION);
      return materialize(runtime, { selection: '+silver/market_snapshots', partitionKey: MARKETS_PARTITION });
    },
    history: (day, selection = HISTORY_SELECTION) => {
      clock.at(day);
      return materialize(runtime, { selection, partitionKey: day });
    },
    async stop() {
      if (options.shared !== undefined) return;
      await fake.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A range request as the fake saw it: coin, the days asked for, and the reply's status. */
export interface RangeRequest {
  readonly coin: string;
  readonly from: string;
  readonly to: string;
  readonly status: number | null;
}

export function rangeRequests(requests: readonly RecordedRequest[]): RangeRequest[] {
  return requests.flatMap((request) => {
    const match = /^\/coins\/([^/]+)\/market_chart\/range$/.exec(request.path);
    if (match === null) return [];
    return [{ coin: decodeURIComponent(match[1] as string), from: isoOf(request.query['from']), to: isoOf(request.query['to']), status: request.status }];
  });
}

function isoOf(seconds: string | undefined): string {
  return new Date(Number(seconds) * 1000).toISOString();
}

export async function querySql<R = Record<string, unknown>>(database: StrataDatabase, text: string, parameters: readonly unknown[] = []): Promise<R[]> {
  return database.withSession(async (session) => (await session.query<R>(text, parameters)).rows);
}
