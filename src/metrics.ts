/** Prometheus metrics: the catalog of names and labels, the registry factory and the `/metrics` route. */
export { DEFAULT_METRICS, METRIC_NAMES, STRATA_METRICS, seriesLabels, type MetricDefinition, type MetricType, type StrataMetricName } from './metrics/catalog.js';
export { createMetrics, type CounterName, type Metrics, type MetricsOptions, type MetricsSource } from './metrics/create-metrics.js';
export { metricsFor, recordRetentionDeleted } from './metrics/attach.js';
export { registerMetricsRoute } from './metrics/route.js';
export { TelemetryBus, type TelemetryEvent, type TelemetryListener } from './metrics/telemetry.js';
export { onLoopError, signalLoopError } from './metrics/loop-errors.js';
export { QUARANTINE_REASONS, quarantinedByReason, type QuarantineReason } from './metrics/quarantine-metadata.js';
