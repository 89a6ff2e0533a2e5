/**
 * One Strata process materializing `bronze/coingecko_markets`, as `strata materialize` does, for
 * the rate-limit bench. `BENCH_LIMITER=process` gives the CoinGecko client the in-process limiter
 * (each process its own window, as before issue 12); otherwise the runtime's database-backed one.
 * Prints `ready` once its runtime is open, and starts when a line arrives on stdin.
 *
 *   DATABASE_URL=… COINGECKO_BASE_URL=… BENCH_LIMITER=shared node --import tsx bench/rate-limit-process.ts
 */
import { once } from 'node:events';
import { loadConfig } from '../src/config.js';
import { systemClock } from '../src/core/clock.js';
import { materialize } from '../src/daemon/execute-run.js';
import { createLogger } from '../src/logger.js';
import { createCoinGeckoClient } from '../src/pipeline/sources/index.js';
import { openRuntime } from '../src/runtime.js';

const config = loadConfig();
const logger = createLogger({ level: 'warn', destination: process.stderr });
const perProcess = process.env['BENCH_LIMITER'] === 'process';
const runtime = await openRuntime(config, logger, perProcess ? { coingecko: createCoinGeckoClient(config.coingecko, { clock: systemClock }) } : {});
try {
  // A barrier: the bench starts every process's fetching at once, whatever their start-up took.
  process.stdout.write('ready\n');
  await once(process.stdin, 'data');
  const { result } = await materialize(runtime, { selection: 'bronze/coingecko_markets' });
  process.stdout.write(`${result.status}\n`);
  process.exitCode = result.status === 'SUCCESS' ? 0 : 1;
} finally {
  await runtime.close();
}
