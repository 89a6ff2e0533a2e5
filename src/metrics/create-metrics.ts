/**
 * The Prometheus registry of one Strata process. Counters and histograms are fed by events
 * (`runtime.events` for runs, steps and materializations; `runtime.telemetry` for sources,
 * ticks and retention; the loop-error signal); gauges that describe the whole deployment
 * (queue, freshness, heartbeats) are read from the database at scrape time.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AssetGraph } from '../core/graph.js';
import { RUN_TRIGGERS, type Clock, type Layer, type RunEvent, type RunTrigger } from '../core/types.js';
import type { RunEventBus } from '../core/events.js';
import type { Logger } from '../logger.js';
import type { StrataDatabase } from '../storage/index.js';
import { STRATA_METRICS, type StrataMetricName } from './catalog.js';
import { readDbSnapshot, type DbSnapshot } from './db-snapshot.js';
import { onLoopError } from './loop-errors.js';
import { quarantinedByReason } from './quarantine-metadata.js';
import type { TelemetryBus } from './telemetry.js';

/** What metrics read: a Runtime fits. */
export interface MetricsSource {
  readonly database: StrataDatabase;
  readonly graph: AssetGraph;
  readonly events: RunEventBus;
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly telemetry?: TelemetryBus;
}

export interface MetricsOptions {
  /** Default true: prom-client's process and Node.js metrics (process_*, nodejs_*). */
  readonly defaultMetrics?: boolean;
  /** Server-side and client-side limit of the scrape-time queries; default 5 s. */
  readonly snapshotTimeoutMs?: number;
}

export interface Metrics {
  readonly registry: Registry;
  /** The content type of `render()`'s text (Prometheus text exposition 0.0.4). */
  readonly contentType: string;
  /** Waits for counters whose update needed a lookup (a run's trigger), then renders the exposition. */
  render(): Promise<string>;
  /** Resolves once every event received so far is counted. */
  settled(): Promise<void>;
  /** The instrument of a metric in the catalog, e.g. to count from code that has no event to publish. */
  counter(name: CounterName): Counter;
  /** Unsubscribes from every source; the registry keeps its values. */
  close(): void;
}

type NamesOfType<T extends string> = { [K in StrataMetricName]: (typeof STRATA_METRICS)[K]['type'] extends T ? K : never }[StrataMetricName];
export type CounterName = NamesOfType<'counter'>;

/**
 * ```ts
 * const metrics = createMetrics(runtime);
 * app.get('/metrics', async (_, reply) => reply.type(metrics.contentType).send(await metrics.render()));
 * ```
 */
export function createMetrics(source: MetricsSource, options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const log = source.logger?.child({ component: 'metrics' });

  const counters = new Map<string, Counter>();
  const counter = (name: CounterName): Counter => {
    const existing = counters.get(name);
    if (existing) return existing;
    const { help, labelNames } = STRATA_METRICS[name];
    const created = new Counter({ name, help, labelNames: [...labelNames], registers: [registry] });
    counters.set(name, created);
    return created;
  };
  const histogram = (name: 'strata_run_duration_seconds' | 'strata_step_duration_seconds' | 'strata_source_request_duration_seconds' | 'strata_schedule_tick_lag_seconds') => {
    const { help, labelNames, buckets } = STRATA_METRICS[name];
    return new Histogram({ name, help, labelNames: [...labelNames], buckets: [...buckets], registers: [registry] });
  };
  for (const [name, definition] of Object.entries(STRATA_METRICS)) {
    if (definition.type === 'counter') counter(name as CounterName);
  }
  // Every (status, trigger) series exists from the start at 0, so an alert's increase() also
  // sees the first failure of a pair (a series that appears already at 1 has no increase).
  for (const status of ['SUCCESS', 'FAILURE', 'CANCELED']) {
    for (const trigger of RUN_TRIGGERS) counter('strata_runs_total').inc({ status, trigger }, 0);
  }
  const runDuration = histogram('strata_run_duration_seconds');
  const stepDuration = histogram('strata_step_duration_seconds');
  const requestDuration = histogram('strata_source_request_duration_seconds');
  const tickLag = histogram('strata_schedule_tick_lag_seconds');

  // Scrape-time gauges share one snapshot per scrape: prom-client collects every metric at once.
  let inFlight: Promise<DbSnapshot | undefined> | undefined;
  const assetKeys = [...source.graph.order];
  const snapshot = (): Promise<DbSnapshot | undefined> => {
    inFlight ??= readDbSnapshot(source.database.db, assetKeys, options.snapshotTimeoutMs)
      .catch((error: unknown) => {
        log?.warn({ err: error }, 'metrics: reading the database gauges failed; they are left out of this scrape');
        return undefined;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
  const dbGauge = (name: StrataMetricName, fill: (gauge: Gauge, data: DbSnapshot, now: number) => void): Gauge => {
    const { help, labelNames } = STRATA_METRICS[name];
    return new Gauge({
      name,
      help,
      labelNames: [...labelNames],
      registers: [registry],
      async collect() {
        const data = await snapshot();
        this.reset();
        if (data !== undefined) fill(this, data, source.clock.now().getTime());
      },
    });
  };
  const objectives = new Map<string, number>();
  for (const key of assetKeys) {
    const maxLagMs = source.graph.assets.get(key)?.freshness?.maxLagMs;
    if (maxLagMs !== undefined) objectives.set(key, maxLagMs / 1000);
  }
  const objectiveGauge = new Gauge({ ...gaugeConfig('strata_asset_freshness_objective_seconds'), registers: [registry] });
  for (const [asset, seconds] of objectives) objectiveGauge.set({ asset }, seconds);
  dbGauge('strata_queue_depth', (gauge, data) => gauge.set(data.queued));
  dbGauge('strata_runs_in_progress', (gauge, data) => gauge.set(data.inProgress));
  dbGauge('strata_asset_freshness_lag_seconds', (gauge, data, now) => {
    for (const [asset, at] of data.lastMaterializedAt) gauge.set({ asset }, Math.max(0, (now - at.getTime()) / 1000));
  });
  dbGauge('strata_asset_stale', (gauge, data, now) => {
    for (const [asset, objective] of objectives) {
      const at = data.lastMaterializedAt.get(asset);
      gauge.set({ asset }, at === undefined || (now - at.getTime()) / 1000 > objective ? 1 : 0);
    }
  });
  dbGauge('strata_process_heartbeat_age_seconds', (gauge, data, now) => {
    for (const [kind, at] of data.youngestHeartbeatAt) gauge.set({ kind }, Math.max(0, (now - at.getTime()) / 1000));
  });

  // Runs: the trigger is not in the events, so it is read once per run (by primary key).
  const pending = new Set<Promise<void>>();
  const track = (work: Promise<void>): void => {
    const tracked = work.catch((error: unknown) => log?.warn({ err: error }, 'metrics: counting a run event failed'));
    pending.add(tracked);
    void tracked.finally(() => pending.delete(tracked));
  };
  const triggers = new Map<string, Promise<RunTrigger | 'unknown'>>();
  const triggerOf = (runId: string): Promise<RunTrigger | 'unknown'> => {
    let lookup = triggers.get(runId);
    if (lookup === undefined) {
      lookup = source.database.db
        .selectFrom('strata.runs')
        .select('trigger')
        .where('id', '=', runId)
        .executeTakeFirst()
        .then((row) => row?.trigger ?? 'unknown');
      triggers.set(runId, lookup);
    }
    return lookup;
  };
  const stepStarts = new Map<string, number>();
  const stepKey = (event: { runId: string; assetKey: string; partition: string | null }) => `${event.runId} ${event.assetKey} ${event.partition ?? ''}`;
  const assetLabels = (assetKey: string) => ({ asset: assetKey, layer: (source.graph.assets.get(assetKey)?.layer ?? assetKey.split('/')[0]) as Layer });

  const onRunEvent = (event: RunEvent): void => {
    switch (event.type) {
      case 'run:started':
        track(triggerOf(event.runId).then(() => undefined));
        return;
      case 'run:succeeded':
      case 'run:failed':
      case 'run:canceled': {
        const status = event.type === 'run:succeeded' ? 'SUCCESS' : event.type === 'run:failed' ? 'FAILURE' : 'CANCELED';
        const { runId, durationMs } = event;
        track(
          triggerOf(runId).then((trigger) => {
            counter('strata_runs_total').inc({ status, trigger });
            runDuration.observe({ status, trigger }, durationMs / 1000);
          }).finally(() => {
            triggers.delete(runId);
            for (const key of stepStarts.keys()) if (key.startsWith(`${runId} `)) stepStarts.delete(key);
          }),
        );
        return;
      }
      case 'step:started':
        stepStarts.set(stepKey(event), event.at.getTime());
        return;
      case 'step:succeeded':
        stepStarts.delete(stepKey(event));
        stepDuration.observe({ ...assetLabels(event.assetKey), status: 'SUCCESS' }, event.durationMs / 1000);
        return;
      case 'step:failed': {
        // step:failed carries no duration: measured from this attempt's step:started.
        const started = stepStarts.get(stepKey(event));
        stepStarts.delete(stepKey(event));
        const seconds = started === undefined ? 0 : Math.max(0, (event.at.getTime() - started) / 1000);
        stepDuration.observe({ ...assetLabels(event.assetKey), status: 'FAILURE' }, seconds);
        return;
      }
      case 'step:skipped':
        stepDuration.observe({ ...assetLabels(event.assetKey), status: 'SKIPPED' }, 0);
        return;
      case 'asset:materialized': {
        const labels = assetLabels(event.assetKey);
        counter('strata_materializations_total').inc(labels);
        const rows = event.metadata['rows'];
        if (typeof rows === 'number' && Number.isFinite(rows) && rows > 0) counter('strata_rows_materialized_total').inc(labels, rows);
        for (const [reason, count] of quarantinedByReason(event.metadata)) {
          if (count > 0) counter('strata_quarantined_rows_total').inc({ asset: event.assetKey, reason }, count);
        }
        return;
      }
      case 'check:evaluated':
        counter('strata_check_results_total').inc({ asset: event.assetKey, check: event.check, outcome: event.passed ? 'passed' : 'failed' });
        return;
      default:
        return;
    }
  };

  const unsubscribes = [
    source.events.subscribe(onRunEvent),
    onLoopError((loop) => counter('strata_loop_errors_total').inc({ loop })),
    source.telemetry?.subscribe((event) => {
      switch (event.type) {
        case 'source:request':
          counter('strata_source_requests_total').inc({ source: event.source, endpoint: event.endpoint, status: event.status === null ? 'error' : String(event.status) });
          requestDuration.observe({ source: event.source, endpoint: event.endpoint }, event.durationMs / 1000);
          if (event.status === 429) counter('strata_source_rate_limited_total').inc({ source: event.source });
          return;
        case 'source:rate_limit_wait':
          counter('strata_source_rate_limit_wait_seconds_total').inc({ source: event.source }, event.ms / 1000);
          return;
        case 'schedule:tick':
          tickLag.observe({ schedule: event.schedule }, Math.max(0, event.lagMs / 1000));
          return;
        case 'retention:deleted':
          if (event.count > 0) counter('strata_retention_deleted_total').inc({ table: event.table }, event.count);
          return;
      }
    }),
  ];

  const settled = async (): Promise<void> => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };

  return {
    registry,
    contentType: registry.contentType,
    async render() {
      await settled();
      return registry.metrics();
    },
    settled,
    counter,
    close() {
      for (const unsubscribe of unsubscribes) unsubscribe?.();
    },
  };
}

function gaugeConfig(name: StrataMetricName): { name: string; help: string; labelNames: string[] } {
  const { help, labelNames } = STRATA_METRICS[name];
  return { name, help, labelNames: [...labelNames] };
}
