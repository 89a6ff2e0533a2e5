/**
 * The pipeline end to end: a runtime (openRuntime, as the CLI builds it) over a test database, a
 * fresh data directory and the fake CoinGecko on a real port, plus the queries the tests share.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type RawBuilder } from 'kysely';
import { loadConfig } from '../../src/config.js';
import type { AssetGraph } from '../../src/core/graph.js';
import type { Resources } from '../../src/core/types.js';
import { materialize, type RunRequest } from '../../src/daemon/execute-run.js';
import { createLogger } from '../../src/logger.js';
import { bronzePrefix } from '../../src/pipeline/bronze/manifest.js';
import { loadFixtureData, startFakeCoinGecko, type RunningFakeCoinGecko, type StartFakeCoinGeckoOptions } from '../../src/pipeline/fake-coingecko/index.js';
import { stringifyLosslessJson, type JsonObject } from '../../src/pipeline/sources/index.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { FetchTimeClock } from '../helpers/fetch-time-clock.js';
import type { SqlSession, StrataDatabase } from '../../src/storage/index.js';

/** The recorded page's date: bronze files for it land under raw/2025-02-09/. */
export const PARTITION = '2025-02-09T12:00Z';
export const SNAPSHOT_AT = '2025-02-09T12:00:00.000Z';
export const MARKETS_FIXTURE_FILE = 'coins_markets_usd_page1_per250_pcp-1h24h1y_precision-full_2025-02-09_raw.json';

export interface PipelineOptions {
  /** Extra environment for loadConfig (STRATA_COINS, COINGECKO_API_KEY, …). */
  readonly env?: Readonly<Record<string, string>>;
  readonly fake?: StartFakeCoinGeckoOptions;
  /** An already running fake, shared with another pipeline. */
  readonly sharedFake?: RunningFakeCoinGecko;
  /** A data directory shared with another pipeline (same bronze). */
  readonly dataDir?: string;
  readonly resources?: (resources: Resources) => Resources;
  /** Another asset graph than the configuration's, e.g. the pipeline's assets plus SQL-file assets. */
  readonly graph?: AssetGraph;
}

export interface Pipeline {
  readonly runtime: Runtime;
  readonly fake: RunningFakeCoinGecko;
  readonly dataDir: string;
  /** The runtime's clock: real time until `materialize` (or `clock.at`) moves it to a partition's scheduled time. */
  readonly clock: FetchTimeClock;
  /** Moves the clock to the time a schedule would materialize `partitionKey` (fetch-time-clock.ts), then materializes it. */
  materialize(partitionKey: string, selection?: string, request?: RunRequest): ReturnType<typeof materialize>;
  /** Stops what this pipeline started (fake, data dir); never the database, which the test owns. */
  stop(): Promise<void>;
}

export async function startPipeline(database: StrataDatabase, options: PipelineOptions = {}): Promise<Pipeline> {
  const fake = options.sharedFake ?? (await startFakeCoinGecko(options.fake ?? {}));
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'strata-pipeline-')));
  const config = loadConfig({
    STRATA_DATA_DIR: dataDir,
    COINGECKO_BASE_URL: fake.url,
    COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
    COINGECKO_MAX_RETRIES: '0',
    ...options.env,
  });
  const logger = createLogger({ level: 'silent', pretty: false });
  // runtime.close() would close the test's database: the test destroys it instead.
  const clock = new FetchTimeClock();
  const runtime = await openRuntime(config, logger, {
    database,
    clock,
    ...(options.resources ? { resources: options.resources } : {}),
    ...(options.graph ? { graph: options.graph } : {}),
  });
  return {
    runtime,
    fake,
    dataDir,
    clock,
    materialize: (partitionKey, selection = '*', request = {}) => {
      clock.at(partitionKey);
      return materialize(runtime, { selection, partitionKey, ...request });
    },
    async stop() {
      if (options.sharedFake === undefined) await fake.close();
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** `<dataDir>/raw/2025-02-09/2025-02-09T12:00Z/coingecko_markets`. */
export function bronzeDir(dataDir: string, asset: string, partitionKey: string): string {
  return join(dataDir, bronzePrefix(asset, partitionKey));
}

export function snapshotAt(partitionKey: string): string {
  return new Date(partitionKey.replace('Z', ':00Z')).toISOString();
}

/** The recorded page's rows, parsed losslessly (numbers as their source text). */
export function fixtureRows(): JsonObject[] {
  return loadFixtureData().rows.map((row) => ({ ...row }));
}

/** A `/coins/markets` body from lossless rows, numbers written back exactly. */
export function pageBody(rows: readonly JsonObject[]): string {
  return `[${rows.map((row) => stringifyLosslessJson(row)).join(',')}]`;
}

type Row = Record<string, unknown>;

async function rows(database: StrataDatabase, query: RawBuilder<Row>): Promise<Row[]> {
  return (await query.execute(database.db)).rows;
}

export function dumpSilver(database: StrataDatabase, snapshot: string): Promise<Row[]> {
  return rows(database, sql<Row>`SELECT * FROM silver.market_snapshots WHERE snapshot_at = ${snapshot}::timestamptz ORDER BY coin_id`);
}

export function dumpCoins(database: StrataDatabase): Promise<Row[]> {
  return rows(database, sql<Row>`SELECT * FROM silver.coins ORDER BY coin_id`);
}

/** Quarantined rows of the markets asset for a partition, without the serial id and the insert time. */
export function dumpQuarantine(database: StrataDatabase, partitionKey: string): Promise<Row[]> {
  return rows(
    database,
    sql<Row>`SELECT asset_key, partition_key, coin_id, reason, raw_row, source_file, source_row FROM silver.quarantine
        WHERE asset_key = 'silver/market_snapshots' AND partition_key = ${partitionKey} ORDER BY source_file, source_row`,
  );
}

export async function dumpGold(database: StrataDatabase, snapshot: string): Promise<{ mart: Row[]; segments: Row[] }> {
  return {
    mart: await rows(database, sql<Row>`SELECT * FROM gold.crypto_analytics_mart WHERE snapshot_at = ${snapshot}::timestamptz ORDER BY market_cap_rank, coin_id`),
    segments: await rows(database, sql<Row>`SELECT * FROM gold.market_segment_analysis WHERE snapshot_at = ${snapshot}::timestamptz ORDER BY market_cap_category`),
  };
}

export async function countSilver(database: StrataDatabase, snapshot: string): Promise<number> {
  const [row] = await rows(database, sql<Row>`SELECT count(*)::int AS n FROM silver.market_snapshots WHERE snapshot_at = ${snapshot}::timestamptz`);
  return row?.['n'] as number;
}

export async function countQuarantine(database: StrataDatabase, partitionKey: string): Promise<number> {
  const [row] = await rows(
    database,
    sql<Row>`SELECT count(*)::int AS n FROM silver.quarantine WHERE asset_key = 'silver/market_snapshots' AND partition_key = ${partitionKey}`,
  );
  return row?.['n'] as number;
}

export async function querySql<R = Row>(database: StrataDatabase, text: string, parameters: readonly unknown[] = []): Promise<R[]> {
  return database.withSession(async (session) => (await session.query<R>(text, parameters)).rows);
}

/** Wraps `database.withSession` so every session runs `intercept` before each query and COPY. */
export function interceptSessions(
  resources: Resources,
  intercept: (statement: string) => void,
): Resources {
  const { database } = resources;
  const wrap = (session: SqlSession): SqlSession => ({
    query(statement, parameters) {
      intercept(statement);
      return session.query(statement, parameters);
    },
    copyFrom(copySql, lines) {
      intercept(copySql);
      return session.copyFrom(copySql, lines);
    },
  });
  return { ...resources, database: { ...database, withSession: (work) => database.withSession((session) => work(wrap(session))) } };
}
