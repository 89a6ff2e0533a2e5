/**
 * Every metric Strata exports, by name, with its type and label names: the one list the
 * registry is built from and that dashboards and alert rules are checked against.
 *
 * Label values are bounded by construction: asset keys come from the graph, statuses and
 * triggers from fixed enums, endpoints from the source client's code. Never a run id or a
 * partition key.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricDefinition {
  readonly type: MetricType;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** Histograms only: bucket upper bounds, in seconds. */
  readonly buckets?: readonly number[];
}

/** Steps and runs: from a fraction of a second (a gold view) to an hour (a 10k-coin backfill). */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** One HTTP request to a source, including a slow page of 250 coins. */
const REQUEST_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];
/** Tick due → run queued: milliseconds when healthy, up to the 30 s safety evaluation, more after downtime. */
const TICK_LAG_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 30, 60, 300, 3600];

export const STRATA_METRICS = {
  strata_runs_total: { type: 'counter', help: 'Runs that ended (SUCCESS, FAILURE, CANCELED), seen by this process.', labelNames: ['status', 'trigger'] },
  strata_run_duration_seconds: {
    type: 'histogram',
    help: 'Wall time of runs that ended, from start to end.',
    labelNames: ['status', 'trigger'],
    buckets: DURATION_BUCKETS,
  },
  strata_step_duration_seconds: {
    type: 'histogram',
    help: 'Wall time of steps (one asset partition in a run); SKIPPED steps observe 0.',
    labelNames: ['asset', 'layer', 'status'],
    buckets: DURATION_BUCKETS,
  },
  strata_queue_depth: { type: 'gauge', help: 'QUEUED runs in the database, read at scrape time.', labelNames: [] },
  strata_runs_in_progress: { type: 'gauge', help: 'STARTING and STARTED runs in the database, read at scrape time.', labelNames: [] },
  strata_materializations_total: { type: 'counter', help: 'Asset partitions materialized by this process.', labelNames: ['asset', 'layer'] },
  strata_rows_materialized_total: {
    type: 'counter',
    help: 'Rows written by materializations (metadata.rows), by this process.',
    labelNames: ['asset', 'layer'],
  },
  strata_quarantined_rows_total: {
    type: 'counter',
    help: 'Rows set aside in quarantine, by reason: invalid (failed validation) or duplicate.',
    labelNames: ['asset', 'reason'],
  },
  strata_check_results_total: { type: 'counter', help: 'Asset check results, by check and outcome.', labelNames: ['asset', 'check', 'outcome'] },
  strata_source_requests_total: {
    type: 'counter',
    help: 'HTTP attempts to a data source, by endpoint and status (the HTTP status, or "error" when no response arrived).',
    labelNames: ['source', 'endpoint', 'status'],
  },
  strata_source_request_duration_seconds: {
    type: 'histogram',
    help: 'Duration of HTTP attempts to a data source.',
    labelNames: ['source', 'endpoint'],
    buckets: REQUEST_BUCKETS,
  },
  strata_source_rate_limit_wait_seconds_total: {
    type: 'counter',
    help: 'Time requests waited for the rate limiter (including pauses after a 429).',
    labelNames: ['source'],
  },
  strata_source_rate_limited_total: { type: 'counter', help: 'Responses with HTTP 429 (rate limited) from a data source.', labelNames: ['source'] },
  strata_asset_freshness_lag_seconds: {
    type: 'gauge',
    help: 'Seconds since the last successful materialization of any partition of the asset (no sample: never materialized).',
    labelNames: ['asset'],
  },
  strata_asset_freshness_objective_seconds: { type: 'gauge', help: "The asset's declared maximum lag (freshness.maxLagMs).", labelNames: ['asset'] },
  strata_asset_stale: {
    type: 'gauge',
    help: '1 when an asset with a freshness objective lags beyond it or was never materialized, else 0.',
    labelNames: ['asset'],
  },
  strata_schedule_tick_lag_seconds: {
    type: 'histogram',
    help: 'From a schedule tick being due to its run being queued (ticks claimed by this process).',
    labelNames: ['schedule'],
    buckets: TICK_LAG_BUCKETS,
  },
  strata_process_heartbeat_age_seconds: {
    type: 'gauge',
    help: 'Age of the youngest heartbeat among processes of this kind that have not stopped (no sample: none registered).',
    labelNames: ['kind'],
  },
  strata_loop_errors_total: { type: 'counter', help: 'Background loop iterations that threw, in this process.', labelNames: ['loop'] },
  strata_retention_deleted_total: {
    type: 'counter',
    help: 'Rows (or bronze partitions) purged by retention, by table (runs, steps, events, ticks, processes, backfills, check_results, sensor_evaluations, sensor_handled_runs, automation_results, automation_evaluations, bronze_partitions).',
    labelNames: ['table'],
  },
} as const satisfies Record<string, MetricDefinition>;

export type StrataMetricName = keyof typeof STRATA_METRICS;

/** prom-client's default process and Node.js metrics (collectDefaultMetrics, unprefixed), as of prom-client 15. */
export const DEFAULT_METRICS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  process_cpu_user_seconds_total: [],
  process_cpu_system_seconds_total: [],
  process_cpu_seconds_total: [],
  process_start_time_seconds: [],
  process_resident_memory_bytes: [],
  process_virtual_memory_bytes: [],
  process_heap_bytes: [],
  process_open_fds: [],
  process_max_fds: [],
  nodejs_eventloop_lag_seconds: [],
  nodejs_eventloop_lag_min_seconds: [],
  nodejs_eventloop_lag_max_seconds: [],
  nodejs_eventloop_lag_mean_seconds: [],
  nodejs_eventloop_lag_stddev_seconds: [],
  nodejs_eventloop_lag_p50_seconds: [],
  nodejs_eventloop_lag_p90_seconds: [],
  nodejs_eventloop_lag_p99_seconds: [],
  nodejs_active_resources: ['type'],
  nodejs_active_resources_total: [],
  nodejs_active_handles: ['type'],
  nodejs_active_handles_total: [],
  nodejs_active_requests: ['type'],
  nodejs_active_requests_total: [],
  nodejs_heap_size_total_bytes: [],
  nodejs_heap_size_used_bytes: [],
  nodejs_external_memory_bytes: [],
  nodejs_heap_space_size_total_bytes: ['space'],
  nodejs_heap_space_size_used_bytes: ['space'],
  nodejs_heap_space_size_available_bytes: ['space'],
  nodejs_version_info: ['version', 'major', 'minor', 'patch'],
  nodejs_gc_duration_seconds: ['kind'],
});

/**
 * Every metric family `/metrics` can expose (Strata's and the process defaults) → its label
 * names. A PromQL reference to a histogram uses the series `<name>_bucket` (plus label `le`),
 * `<name>_sum` or `<name>_count`: resolve those with `seriesLabels`.
 */
export const METRIC_NAMES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  ...Object.fromEntries(Object.entries(STRATA_METRICS).map(([name, definition]) => [name, definition.labelNames])),
  ...DEFAULT_METRICS,
});

const HISTOGRAMS = new Set([
  ...Object.entries(STRATA_METRICS).flatMap(([name, definition]) => (definition.type === 'histogram' ? [name] : [])),
  'nodejs_gc_duration_seconds',
]);

/**
 * The label names of a series as PromQL names it, or undefined when no exported metric has it:
 * `seriesLabels('strata_run_duration_seconds_bucket')` → `['status', 'trigger', 'le']`.
 */
export function seriesLabels(series: string): readonly string[] | undefined {
  const direct = METRIC_NAMES[series];
  if (direct !== undefined) return direct;
  const match = /^(.*)_(bucket|sum|count)$/.exec(series);
  if (match === null || !HISTOGRAMS.has(match[1] as string)) return undefined;
  const labels = METRIC_NAMES[match[1] as string] ?? [];
  return match[2] === 'bucket' ? [...labels, 'le'] : labels;
}
