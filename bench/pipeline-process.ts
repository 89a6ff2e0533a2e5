/**
 * One run of every asset of the shipped pipeline in a process of its own, so its peak RSS is
 * the pipeline's and not the bench's (which holds the fake CoinGecko). The parent has migrated
 * the database; this process opens it, materializes `*` and prints one JSON line on stdout:
 * the run status, wall time, each step's time and `maxRssBytes` (process.resourceUsage()).
 *
 *   BENCH_PIPELINE='{"databaseUrl":…,"dataDir":…,"fakeUrl":…,"coins":17000}' node --import tsx bench/pipeline-process.ts
 */
import { loadConfig } from '../src/config.js';
import { materialize } from '../src/daemon/execute-run.js';
import { createLogger } from '../src/logger.js';
import { openRuntime } from '../src/runtime.js';
import { openDatabase } from '../src/storage/index.js';

export interface PipelineProcessInput {
  readonly databaseUrl?: string;
  readonly dataDir: string;
  readonly fakeUrl: string;
  readonly coins: number;
  /** Assets to materialize (default `*`). */
  readonly selection?: string;
}

export interface PipelineProcessOutput {
  readonly runStatus: string;
  readonly runMs: number;
  readonly stepMs: Readonly<Record<string, number>>;
  /** Why each step that did not succeed did not. */
  readonly problems: readonly string[];
  readonly maxRssBytes: number;
}

const input = JSON.parse(process.env.BENCH_PIPELINE ?? '') as PipelineProcessInput;
const database = await openDatabase({ ...(input.databaseUrl === undefined ? {} : { databaseUrl: input.databaseUrl }), dataDir: input.dataDir });
try {
  const config = loadConfig({
    ...(input.databaseUrl === undefined ? {} : { DATABASE_URL: input.databaseUrl }),
    STRATA_DATA_DIR: input.dataDir,
    COINGECKO_BASE_URL: input.fakeUrl,
    COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
    STRATA_COINS: String(input.coins),
  });
  const runtime = await openRuntime(config, createLogger({ level: 'silent', pretty: false }), { database });
  const started = performance.now();
  const { result } = await materialize(runtime, { selection: input.selection ?? '*' });
  const output: PipelineProcessOutput = {
    runStatus: result.status,
    runMs: performance.now() - started,
    stepMs: Object.fromEntries(result.steps.map((step) => [step.assetKey, step.durationMs])),
    problems: result.steps
      .filter((step) => step.status !== 'SUCCESS')
      .map((step) => `${step.assetKey} ${step.status}: ${step.failedCheck ?? step.error ?? ''}`),
    // resourceUsage() reports kilobytes.
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
} finally {
  await database.close();
}
