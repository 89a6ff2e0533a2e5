/**
 * Strata core types.
 *
 * Glossary (the same words are used in code, UI, docs and metrics):
 * - Asset: a named persistent data product, keyed `layer/name` (`bronze/coingecko_markets`).
 * - Layer: bronze (raw files as received), silver (validated tables), gold (analytics marts).
 * - Partition: a slice of an asset, here a UTC time window. Keys: `2026-11-23T06:00Z`
 *   (six-hourly) and `2026-11-23` (daily).
 * - Partition mapping: which upstream partitions a downstream partition reads.
 * - Partitions served: which partitions an asset's source can produce; `current` when it
 *   returns only its present state (no partition but the one that contains now), else `any`.
 *   No asset is run for a partition that has not started.
 * - Run: one execution of a selection of assets for one partition (or none). Status
 *   QUEUED -> STARTING -> STARTED -> SUCCESS | FAILURE | CANCELED.
 * - Step: one asset partition inside a run; a range step covers several partitions of a
 *   `backfillPolicy: 'single_run'` asset at once (its events name it `first...last`).
 * - Range run: a run whose steps cover a range of partitions (runs.partition_range_start/_end).
 * - Materialization: the record that a step produced an asset partition, with its output
 *   value (a small JSON handle, such as a manifest path) and metadata (rows, bytes, ...).
 * - Event: an append-only record of what happened in a run; the run log, UI and metrics
 *   all read the same typed events.
 * - Check: a rule evaluated right after an asset partition materializes, against its output;
 *   severity `error` fails the step (downstream skipped), `warn` is recorded and counted only.
 * - Resources: what asset code needs from the outside world (database, bronze store, API
 *   clients). The core declares an empty interface; the pipeline augments it.
 */

export type Layer = 'bronze' | 'silver' | 'gold';
export const LAYERS: readonly Layer[] = ['bronze', 'silver', 'gold'];

/** `layer/name`, e.g. `silver/market_snapshots`. */
export type AssetKey = string;

export type RunStatus = 'QUEUED' | 'STARTING' | 'STARTED' | 'SUCCESS' | 'FAILURE' | 'CANCELED';
export type StepStatus = 'PENDING' | 'RUNNING' | 'SUCCESS' | 'FAILURE' | 'SKIPPED' | 'CANCELED';
export type RunTrigger = 'manual' | 'schedule' | 'backfill' | 'retry' | 'sensor' | 'automation';
export const RUN_TRIGGERS: readonly RunTrigger[] = ['manual', 'schedule', 'backfill', 'retry', 'sensor', 'automation'];

/**
 * The most run retries (a run queued again after its worker was lost) any setting, schedule or
 * request may ask for: a typo must not loop a broken run for ever.
 */
export const MAX_RUN_RETRIES = 10;

/** The most steps of one run that may execute at once (config and the `strata/max_concurrent_steps` tag). */
export const MAX_CONCURRENT_STEPS = 64;

export interface RetryPolicy {
  /** Retries after the first attempt; 0 means run once. */
  readonly maxRetries: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Multiplier per attempt (exponential backoff). */
  readonly factor: number;
  /** 0..1: the share of each delay that is randomised ("full jitter" at 1). */
  readonly jitter: number;
}

/** A partition key resolved to its UTC time window [start, end). */
export interface PartitionWindow {
  readonly key: string;
  readonly start: Date;
  readonly end: Date;
}

export interface PartitionsDefinition {
  readonly kind: 'six_hourly' | 'daily';
  /** Validates a key and returns its window; throws InvalidPartitionKeyError naming the key. */
  parse(key: string): PartitionWindow;
  /** The key of the partition that contains `time`. */
  keyFor(time: Date): string;
  /** Every key from `from` to `to`, both included, in time order. */
  keysBetween(from: string, to: string): string[];
}

export type MetadataValue = string | number | boolean | null;
export type Metadata = Readonly<Record<string, MetadataValue>>;

/** What `materialize` returns: a JSON-serialisable handle for downstream assets, plus metadata. */
export interface MaterializeResult<T> {
  readonly value: T;
  readonly metadata?: Metadata;
}

export interface StepLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Augmented by the pipeline (declaration merging), so the core never imports it:
 * `declare module '../core/types.js' { interface Resources { db: Db } }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Resources {}

/** Injected time, so retries and schedules are testable without sleeping. */
export interface Clock {
  now(): Date;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The run a step belongs to, as asset code sees it (Dagster's `context.run`). */
export interface RunInfo {
  readonly id: string;
  /**
   * The run's tags: set by whoever asked for it (a sensor's run request, `POST /runs`, a
   * schedule). A sensor passes what the run is about here, e.g. the file an import reads.
   */
  readonly tags: Readonly<Record<string, string>>;
}

/** The partitions a range step covers (see partition-range.ts); re-declared here so asset code needs only types. */
export interface PartitionRange {
  /** Every partition key covered, first to last, both included. */
  readonly keys: readonly string[];
  readonly first: PartitionWindow;
  readonly last: PartitionWindow;
}

export interface AssetContext<Inputs> {
  readonly runId: string;
  /** The run: its id (as `runId`) and its tags. */
  readonly run: RunInfo;
  readonly assetKey: AssetKey;
  /** Undefined for unpartitioned assets. In a range step: the range's last partition. */
  readonly partition: PartitionWindow | undefined;
  /**
   * Set when this step covers a range of partitions at once (a `backfillPolicy: 'single_run'`
   * asset in a range materialize or backfill); undefined in a one-partition step.
   */
  readonly partitionRange: PartitionRange | undefined;
  /** Typed upstream outputs: one value per dep (an array when the mapping reads many partitions); in a range step, for `partition`. */
  readonly inputs: Inputs;
  readonly signal: AbortSignal;
  readonly log: StepLogger;
  readonly resources: Resources;
  readonly clock: Clock;
  /** 1 on the first attempt. */
  readonly attempt: number;
}

export type RunEvent =
  | { type: 'run:started'; runId: string; at: Date }
  | { type: 'run:succeeded'; runId: string; at: Date; durationMs: number }
  | { type: 'run:failed'; runId: string; at: Date; durationMs: number; message: string }
  | { type: 'run:canceled'; runId: string; at: Date; durationMs: number }
  | { type: 'step:started'; runId: string; at: Date; assetKey: AssetKey; partition: string | null; attempt: number }
  | { type: 'step:succeeded'; runId: string; at: Date; assetKey: AssetKey; partition: string | null; durationMs: number }
  | {
      type: 'step:failed';
      runId: string;
      at: Date;
      assetKey: AssetKey;
      partition: string | null;
      attempt: number;
      message: string;
      retryable: boolean;
      willRetry: boolean;
      retryInMs: number | null;
    }
  | { type: 'step:skipped'; runId: string; at: Date; assetKey: AssetKey; partition: string | null; reason: string }
  | {
      type: 'asset:materialized';
      runId: string;
      at: Date;
      assetKey: AssetKey;
      partition: string | null;
      /** Set when a range step materialized `partition`: the step's label, `first...last`. */
      range?: string;
      value: unknown;
      metadata: Metadata;
      durationMs: number;
    }
  | {
      type: 'check:evaluated';
      runId: string;
      at: Date;
      assetKey: AssetKey;
      partition: string | null;
      check: string;
      severity: 'error' | 'warn';
      passed: boolean;
      message: string | null;
      metadata: Metadata;
    }
  | {
      type: 'log';
      runId: string;
      at: Date;
      level: 'debug' | 'info' | 'warn' | 'error';
      message: string;
      assetKey: AssetKey | null;
      partition: string | null;
      fields: Record<string, unknown> | null;
    };

export type RunEventType = RunEvent['type'];

