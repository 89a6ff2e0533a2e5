/**
 * One Strata process materializing `bronze/coingecko_markets`, as `strata materialize` does, for
 * the rate-limit bench. `BENCH_LIMITER=process` gives the CoinGecko client the in-process limiter
 * (each process its own window, as before issue 12); otherwise the runtime's database-backed one.
 *
 *   DATABASE_URL=… COINGECKO_BASE_URL=… BENCH_LIMITER=shared node --import tsx bench/rate-limit-process.ts
 */
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
  const { result } = await materialize(runtime, { selection: 'bronze/coingecko_markets' });
  process.stdout.write(`${result.status}\n`);
  process.exitCode = result.status === 'SUCCESS' ? 0 : 1;
} finally {
  await runtime.close();
}
