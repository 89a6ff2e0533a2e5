/**
 * Strata for a project's tests: its definitions on a throwaway in-memory database, fed by the
 * local fake CoinGecko (recorded responses on a free loopback port), with the clock at the
 * partition being materialized, so the shipped bronze assets, which serve only the current
 * six-hourly partition, fetch the recording as if it were live.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import type { StepResult } from '../core/executor.js';
import { select } from '../core/selection.js';
import { describeStep } from '../core/step-key.js';
import { materialize } from '../daemon/execute-run.js';
import type { Definitions, DefinitionsContext } from '../definitions/definitions.js';
import { createLogger } from '../logger.js';
import { startFakeCoinGecko } from '../pipeline/fake-coingecko/index.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { openMemoryDatabase } from '../storage/memory-database.js';
import { FetchTimeClock } from './fetch-time-clock.js';

/**
 * The six-hourly partition of the fake CoinGecko's recording (its `/coins/markets` page was
 * fetched on 2025-02-09): the default partition of `materialize`, so silver and gold are built
 * from a snapshot whose timestamps agree with its partition.
 */
export const FAKE_COINGECKO_PARTITION = '2025-02-09T12:00Z';

export interface TestStrataOptions {
  /**
   * The project's definitions: what its definitions module exports as `default`, either
   * `defineDefinitions(...)` or a function of `{ config }` returning it. Relative `sqlAssetDirs`
   * are taken from the current directory (where vitest runs: the project's root).
   */
  readonly definitions: Definitions | ((context: DefinitionsContext) => Definitions | Promise<Definitions>);
  /**
   * Strata settings as environment variables (`STRATA_COINS`, `STRATA_HISTORY_COINS`,
   * `LOG_LEVEL`, …; README "Configuration"). The process environment is not read, so a
   * developer's shell or `.env` cannot change a test. `COINGECKO_BASE_URL` is the fake's.
   */
  readonly env?: Readonly<Record<string, string>>;
}

export interface MaterializeOptions {
  /**
   * The partition key (`2025-02-09T12:00Z` six-hourly, `2025-02-09` daily). Default: the
   * recording's, FAKE_COINGECKO_PARTITION, when the selection holds partitioned assets.
   */
  readonly partition?: string;
  /** The run's tags, which asset code reads as `ctx.run.tags` (what a sensor's run request would pass). */
  readonly tags?: Readonly<Record<string, string>>;
}

/** One run, executed to its end. */
export interface TestRun {
  readonly runId: string;
  readonly status: 'SUCCESS' | 'FAILURE' | 'CANCELED';
  /** Every step, in the order it ran, with its metadata and check outcomes. */
  readonly steps: readonly StepResult[];
  /**
   * One line per step that did not succeed (`gold/top_gainers [2025-02-09T12:00Z] FAILURE:
   * relation "gold.top_gainers" does not exist`); empty when all did. Checks of severity `warn`
   * that fail are in `steps`, not here. `expect(run.failures).toEqual([])` shows the errors.
   */
  readonly failures: readonly string[];
}

export interface TestStrata {
  /**
   * Runs the selected assets now (`'*'`, `'gold/top_gainers'`, `'+gold/top_gainers'` with
   * everything upstream; README "CLI" for the syntax) for one partition. Resolves when the
   * run ends, also when it fails (see `failures`); rejects for a bad selection or partition.
   */
  materialize(selection?: string, options?: MaterializeOptions): Promise<TestRun>;
  /** Rows of one SQL statement (`$1` parameters), e.g. to check what an asset wrote. */
  query<Row = Record<string, unknown>>(sql: string, parameters?: readonly unknown[]): Promise<Row[]>;
  /** Closes the database and the fake CoinGecko and deletes the bronze files. */
  close(): Promise<void>;
}

/**
 * Opens Strata on a fresh in-memory database (migrated: Strata's tables, then every migration
 * folder the definitions name) with the fake CoinGecko running. Creating the database takes
 * 10 to 40 s, so create one per test file, in `beforeAll` with a long enough hook timeout.
 *
 * @example
 * import { afterAll, beforeAll, expect, it } from 'vitest';
 * import { createTestStrata, type TestStrata } from 'strata/testing';
 * import definitions from '../definitions.js';
 *
 * let strata: TestStrata;
 * beforeAll(async () => {
 *   strata = await createTestStrata({ definitions });
 * }, 120_000);
 * afterAll(() => strata?.close());
 *
 * it('builds the top gainers', async () => {
 *   const run = await strata.materialize('+gold/top_gainers');
 *   expect(run.failures).toEqual([]);
 *   expect(await strata.query('SELECT * FROM gold.top_gainers')).toHaveLength(10);
 * });
 */
export async function createTestStrata(options: TestStrataOptions): Promise<TestStrata> {
  const env = { LOG_LEVEL: 'silent', COINGECKO_RATE_LIMIT_PER_MINUTE: '100000', COINGECKO_MAX_RETRIES: '0', ...options.env };
  const fake = await startFakeCoinGecko({ coins: loadConfig(env).coins });
  const dataDir = await mkdtemp(join(tmpdir(), 'strata-test-'));
  const clock = new FetchTimeClock();
  let runtime: Runtime | undefined;
  const close = async (): Promise<void> => {
    await runtime?.close();
    await fake.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    runtime = await openTestRuntime(options, { ...env, COINGECKO_BASE_URL: fake.url, STRATA_DATA_DIR: dataDir }, clock);
  } catch (error) {
    await close();
    throw error;
  }
  return testStrata(runtime, clock, close);
}

async function openTestRuntime(options: TestStrataOptions, env: Record<string, string>, clock: FetchTimeClock): Promise<Runtime> {
  const config = loadConfig(env);
  const definitions = typeof options.definitions === 'function' ? await options.definitions({ config }) : options.definitions;
  const database = await openMemoryDatabase();
  try {
    return await openRuntime(config, createLogger({ level: config.logLevel, pretty: false }), { database, definitions, clock });
  } catch (error) {
    await database.close();
    throw error;
  }
}

function testStrata(runtime: Runtime, clock: FetchTimeClock, close: () => Promise<void>): TestStrata {
  return {
    async materialize(selection = '*', options = {}) {
      const partitionKey = options.partition ?? defaultPartition(runtime, selection);
      if (partitionKey !== undefined) clock.at(partitionKey);
      const { run, result } = await materialize(runtime, {
        selection,
        ...(partitionKey === undefined ? {} : { partitionKey }),
        ...(options.tags === undefined ? {} : { tags: options.tags }),
      });
      const failures = result.steps.filter((step) => step.status !== 'SUCCESS').map(describeFailure);
      return { runId: run.id, status: result.status, steps: result.steps, failures };
    },
    query<Row>(sql: string, parameters: readonly unknown[] = []) {
      return runtime.database.withSession(async (session) => (await session.query<Row>(sql, parameters)).rows);
    },
    close,
  };
}

/** `gold/x [2025-02-09T12:00Z] FAILURE: <error>`; an error that starts by naming the step does not name it twice. */
function describeFailure(step: StepResult): string {
  const where = describeStep(step.assetKey, step.partition);
  const error = step.error?.startsWith(`${where}: `) ? step.error.slice(where.length + 2) : step.error;
  return `${where} ${step.status}${error === undefined ? '' : `: ${error}`}`;
}

function defaultPartition(runtime: Runtime, selection: string): string | undefined {
  const partitioned = select(runtime.graph, selection).some((key) => runtime.graph.assets.get(key)?.partitions !== undefined);
  return partitioned ? FAKE_COINGECKO_PARTITION : undefined;
}
