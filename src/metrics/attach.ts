import type { Runtime } from '../runtime.js';
import { createMetrics, type Metrics } from './create-metrics.js';

const attached = new WeakMap<Runtime, Metrics>();

/**
 * The metrics of a runtime, created on first use and shared by everything that asks with the
 * same runtime (in `strata start`, the HTTP server and the retention loop). Counting starts
 * when it is created, so the server attaches before the worker starts.
 */
export function metricsFor(runtime: Runtime): Metrics {
  let metrics = attached.get(runtime);
  if (metrics === undefined) {
    metrics = createMetrics(runtime);
    attached.set(runtime, metrics);
  }
  return metrics;
}

/**
 * For retention: counts purged rows in `strata_retention_deleted_total{table}`.
 *
 * ```ts
 * startRetention(runtime, { processId, onDeleted: (table, n) => recordRetentionDeleted(runtime, table, n) });
 * ```
 */
export function recordRetentionDeleted(runtime: Pick<Runtime, 'telemetry'>, table: string, count: number): void {
  runtime.telemetry.publish({ type: 'retention:deleted', table, count });
}
