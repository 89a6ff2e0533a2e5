/**
 * The orchestration bench's runtime: the real composition root (`openRuntime`: database,
 * migrations, resources) with the shipped pipeline graph swapped for a graph of no-op assets.
 * `openRuntime` takes no graph override, and Runtime is a plain object of its parts, so the
 * bench spreads it with its own graph; every daemon function reads `runtime.graph`.
 *
 * Postgres: a scratch database (created and dropped here). PGlite: a fresh data directory in
 * a temp dir (initdb takes a few seconds; it is not timed).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { defineAsset, type AnyAsset } from '../src/core/asset.js';
import { buildGraph, type AssetGraph } from '../src/core/graph.js';
import { sixHourlyPartitions } from '../src/core/partitions.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import { createScratchDatabase } from './scratch-database.js';

export type BenchEngine = 'postgres' | 'pglite';

/** One unpartitioned no-op: start latency and schedule ticks. */
export const NOOP_SELECTION = 'silver/noop';
/** A chain of no-ops, `silver/chain_000 -> silver/chain_001 -> …`. */
export const CHAIN_SELECTION = 'silver/chain_*';
/** A six-hourly partitioned no-op: the backfill. */
export const PARTITIONED_SELECTION = 'silver/noop_six_hourly';

function noop(key: string, extra: Partial<Pick<AnyAsset, 'deps' | 'partitions'>> = {}): AnyAsset {
  return defineAsset<number, Record<string, AnyAsset>>({
    key,
    layer: 'silver',
    description: 'no-op (bench)',
    deps: (extra.deps ?? {}) as Record<string, AnyAsset>,
    ...(extra.partitions ? { partitions: extra.partitions } : {}),
    materialize: async () => ({ value: 0 }),
  });
}

export function benchGraph(chainLength: number): AssetGraph {
  const chain: AnyAsset[] = [];
  for (let i = 0; i < chainLength; i++) {
    const previous = chain.at(-1);
    chain.push(noop(`silver/chain_${String(i).padStart(3, '0')}`, previous ? { deps: { previous } } : {}));
  }
  return buildGraph([noop(NOOP_SELECTION), noop(PARTITIONED_SELECTION, { partitions: sixHourlyPartitions }), ...chain]);
}

export interface BenchRuntime {
  readonly runtime: Runtime;
  /** Postgres only: the scratch database, for a worker in another process. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  close(): Promise<void>;
}

export interface OpenBenchRuntimeOptions {
  readonly chainLength: number;
  /** Set: use this database as it is (a second process); unset on Postgres: make a scratch one. */
  readonly databaseUrl?: string;
  readonly adminUrl?: string;
  readonly maxConcurrentRuns?: number;
}

export async function openBenchRuntime(engine: BenchEngine, options: OpenBenchRuntimeOptions): Promise<BenchRuntime> {
  const dataDir = await mkdtemp(join(tmpdir(), `strata-orchestration-${engine}-`));
  const scratch =
    engine === 'postgres' && options.databaseUrl === undefined
      ? await createScratchDatabase(options.adminUrl ?? '', 'strata_bench_orch')
      : undefined;
  const databaseUrl = engine === 'postgres' ? (options.databaseUrl ?? scratch?.url) : undefined;
  const config = loadConfig({
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    STRATA_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    STRATA_MAX_CONCURRENT_RUNS: String(options.maxConcurrentRuns ?? 64),
  });
  // Warnings and errors to stderr: stdout carries the table.
  const logger = createLogger({ level: config.logLevel, destination: pino.destination(2) });
  try {
    const opened = await openRuntime(config, logger);
    const runtime: Runtime = { ...opened, graph: benchGraph(options.chainLength) };
    return {
      runtime,
      databaseUrl,
      dataDir,
      async close() {
        await opened.close();
        await scratch?.drop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await scratch?.drop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
