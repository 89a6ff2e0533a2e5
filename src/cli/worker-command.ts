import type { Runtime } from '../runtime.js';
import { runRolesUntilSignal, startMetricsRole, startWorkerRole } from './process-roles.js';

/**
 * `strata worker`: claims and executes queued runs until SIGTERM/SIGINT, then shuts down
 * gracefully (see daemon/worker.ts). It also runs the run monitor: monitors are idempotent, so
 * a fleet of workers recovers the runs of a dead peer even without a daemon. Its counters are
 * served on STRATA_METRICS_PORT.
 */
export async function workerCommand(runtime: Runtime, options: { concurrency: number | undefined }): Promise<number> {
  const metrics = await startMetricsRole(runtime);
  const worker = await startWorkerRole(runtime, { concurrency: options.concurrency, monitor: true });
  return runRolesUntilSignal(runtime, [...(metrics ? [metrics] : []), worker]);
}
