/**
 * A worker in its own process, for the honest multi-process start latency: the same
 * `createWorker` as `strata worker`, on the bench's no-op graph (the CLI worker would load the
 * shipped pipeline graph, which has no no-op asset). Woken by LISTEN/NOTIFY from the database.
 *
 *   DATABASE_URL=… BENCH_CHAIN_LENGTH=100 node --import tsx bench/orchestration-worker-process.ts
 *
 * Prints `ready` on stdout once it listens; stops gracefully on SIGTERM.
 */
import { once } from 'node:events';
import { createWorker } from '../src/daemon/worker.js';
import { openBenchRuntime } from './orchestration-runtime.js';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is required');
const bench = await openBenchRuntime('postgres', { databaseUrl, chainLength: Number(process.env.BENCH_CHAIN_LENGTH ?? 100) });
const worker = createWorker(bench.runtime, { concurrency: 1 });
await worker.start();
process.stdout.write('ready\n');
await once(process, 'SIGTERM');
await worker.stop({ graceMs: 1000 });
await bench.close();
