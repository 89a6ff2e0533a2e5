/** Prometheus metrics: the catalog of names and labels, the registry factory and the `/metrics` route. */
export { DEFAULT_METRICS, METRIC_NAMES, STRATA_METRICS, seriesLabels } from './metrics/catalog.js';
export { createMetrics, type Metrics } from './metrics/create-metrics.js';
export { metricsFor, recordRetentionDeleted } from './metrics/attach.js';
export { registerMetricsRoute } from './metrics/route.js';
