import { startRunMonitor } from '../daemon/run-monitor.js';
import { createWorker } from '../daemon/worker.js';
import type { Runtime } from '../runtime.js';

/**
 * `strata worker`: claims and executes queued runs until SIGTERM/SIGINT, then shuts down
 * gracefully (see daemon/worker.ts). It also runs the run monitor: monitors are idempotent, so
 * a fleet of workers recovers the runs of a dead peer even without a daemon.
 */
export async function workerCommand(runtime: Runtime, options: { concurrency: number | undefined }): Promise<number> {
  const worker = createWorker(runtime, options.concurrency === undefined ? {} : { concurrency: options.concurrency });
  await worker.start();
  const monitor = startRunMonitor(runtime, { processId: worker.id });
  runtime.logger.info({ workerId: worker.id }, 'worker ready');
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  runtime.logger.info(`${signal} received: stopping (grace ${runtime.config.shutdownGraceMs} ms)`);
  await monitor.stop();
  await worker.stop();
  return 0;
}
