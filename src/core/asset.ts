import type { z } from 'zod';
import { isAutomationCondition, type AutomationCondition } from './automation/condition.js';
import { type AssetCheck, assertUniqueCheckNames } from './check.js';
import { recordDefinitionSite } from './definition-site.js';
import { DefinitionError } from './errors.js';
import type {
  AssetContext,
  AssetKey,
  Layer,
  MaterializeResult,
  PartitionWindow,
  PartitionsDefinition,
  RetryPolicy,
} from './types.js';
import { LAYERS } from './types.js';
import { PARTITIONS_SERVED, type PartitionsServed } from './servable-partitions.js';

/** Which upstream partitions one downstream partition reads (e.g. a day reads its four six-hour windows). */
export interface PartitionMapping {
  readonly name: string;
  /** When set, buildGraph rejects a dependency whose partitions are of another kind. */
  readonly downstreamKind?: PartitionsDefinition['kind'];
  readonly upstreamKind?: PartitionsDefinition['kind'];
  upstreamKeys(downstream: PartitionWindow, upstream: PartitionsDefinition): string[];
  /**
   * The downstream partitions that read `upstream` (what declarative automation re-evaluates
   * when it changes). Optional: by default, the downstream partitions whose window overlaps it,
   * which is right for identity and daily_to_six_hourly; a mapping that reads other windows
   * (the previous day) says so here.
   */
  downstreamKeys?(upstream: PartitionWindow, downstream: PartitionsDefinition): string[];
}

/** A dependency that reads several upstream partitions: the input is an array, in time order. */
export interface ManyDep<T> {
  readonly kind: 'many';
  readonly asset: AssetDefinition<T>;
  readonly mapping: PartitionMapping;
  /**
   * When true, upstream partitions that were never materialized are left out of the array
   * instead of failing the step (a day with only some of its six-hourly snapshots).
   */
  readonly allowMissing: boolean;
}

export interface ManyDepOptions {
  /** See ManyDep.allowMissing; default false. */
  readonly allowMissing?: boolean;
}

// `any` here is the variance escape hatch for heterogeneous collections of definitions.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAsset = AssetDefinition<any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type DepsSpec = Readonly<Record<string, AnyAsset | ManyDep<any>>>;

export type InputsOf<D extends DepsSpec> = {
  readonly [K in keyof D]: D[K] extends ManyDep<infer T> ? T[] : D[K] extends AssetDefinition<infer T> ? T : never;
};

export interface FreshnessPolicy {
  readonly maxLagMs: number;
}

/** The text of a non-TypeScript definition and the file it was read from. */
export interface AssetCode {
  readonly language: 'sql';
  readonly file: string;
  readonly text: string;
}

/**
 * How a range backfill or range materialize runs an asset: `'multi_run'` (default) one run per
 * partition; `'single_run'` one run whose single step covers the whole range (Dagster's
 * `BackfillPolicy.single_run`), for an asset whose source serves a range in one call.
 */
export type BackfillPolicy = 'single_run' | 'multi_run';
export const BACKFILL_POLICIES: readonly BackfillPolicy[] = ['single_run', 'multi_run'];

export interface AssetSpec<T, D extends DepsSpec> {
  /** `layer/name`; the layer part must match `layer`. */
  readonly key: AssetKey;
  readonly layer: Layer;
  readonly description: string;
  readonly deps?: D;
  readonly partitions?: PartitionsDefinition;
  /** Parses a stored output value when a later run loads it as an input. */
  readonly output?: z.ZodType<T>;
  readonly retry?: Partial<RetryPolicy>;
  readonly tags?: Readonly<Record<string, string>>;
  /** The catalog group (`coingecko`, `marts`): lowercase letters, digits, `_` and `-`, at most 64. */
  readonly group?: string;
  /** Who answers for the asset: e-mail addresses or team/user names (`team:market-data`, `alice`). */
  readonly owners?: readonly string[];
  /** Named concurrency pool (e.g. `coingecko`): at most the pool's size of these steps run at once. */
  readonly pool?: string;
  /** The source an asset was defined from, when it is not TypeScript (a SQL-file asset), for the UI to show. */
  readonly code?: AssetCode;
  /**
   * Which partitions the asset can produce (default `'any'`). `'current'` for an asset whose
   * source serves only its present state (CoinGecko /coins/markets, /global): fetched for
   * another partition it would store today's data under that partition's key, so a run for
   * any other partition is refused before it is stored, and a backfill or range never fetches
   * it (see servable-partitions.ts). No asset is run for a partition that has not started.
   */
  readonly servesPartitions?: PartitionsServed;
  /**
   * How fresh the asset should be: at most `maxLagMs` since the last successful
   * materialization of any of its partitions. Exported as metrics (lag, objective, stale).
   */
  readonly freshness?: FreshnessPolicy;
  /** Evaluated in order right after each materialization; see `defineCheck`. */
  readonly checks?: readonly AssetCheck<T>[];
  /**
   * `'single_run'`: a range materialize or backfill runs this partitioned asset ONCE for the
   * whole range, in a run of its own (other single_run assets of the selection join it;
   * per-partition assets downstream of it run after it, one run per partition). Its step has
   * `ctx.partition` = the range's last partition, `ctx.inputs` loaded for that partition, and
   * `ctx.partitionRange` = `{ keys, first, last }` (undefined in a one-partition run, which
   * still happens: schedules, automation, `--partition`). The value it returns is recorded as
   * the materialization of every partition of the range. Default `'multi_run'`.
   *
   * ```ts
   * defineAsset({ key: 'bronze/prices', layer: 'bronze', description: 'daily prices', partitions: dailyPartitions,
   *   backfillPolicy: 'single_run',
   *   materialize: async (ctx) => {
   *     const days = ctx.partitionRange?.keys ?? [ctx.partition!.key];
   *     return { value: await fetchDays(days[0], days.at(-1)) }; // one request for the range
   *   } });
   * ```
   */
  readonly backfillPolicy?: BackfillPolicy;
  /**
   * When the daemon requests runs of this asset by itself (declarative automation), instead of
   * or besides a schedule: `automation.eager()`, `automation.onCron('0 6 * * *')`, … The daemon
   * records, per partition, whether it is true and why (the asset page's "Automation").
   */
  readonly automation?: AutomationCondition;
  materialize(ctx: AssetContext<InputsOf<D>>): Promise<MaterializeResult<T>>;
}

export interface AssetDefinition<T = unknown, D extends DepsSpec = DepsSpec> extends AssetSpec<T, D> {
  readonly name: string;
  readonly deps: D;
  readonly retry: RetryPolicy;
  readonly tags: Readonly<Record<string, string>>;
  readonly checks: readonly AssetCheck<T>[];
  readonly servesPartitions: PartitionsServed;
  readonly backfillPolicy: BackfillPolicy;
}

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  maxRetries: 0,
  initialDelayMs: 1_000,
  maxDelayMs: 60_000,
  factor: 2,
  jitter: 0.5,
});

const KEY_PATTERN = /^(bronze|silver|gold)\/[a-z][a-z0-9_]*$/;
const GROUP_PATTERN = /^[a-z0-9_-]{1,64}$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const OWNER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const MAX_OWNER_LENGTH = 200;

/**
 * Defines an asset. Downstream `materialize` functions receive their upstream outputs typed:
 *
 * ```ts
 * const raw = defineAsset({ key: 'bronze/raw', layer: 'bronze', description: 'raw', materialize: async () => ({ value: { path: 'a' } }) });
 * const clean = defineAsset({
 *   key: 'silver/clean', layer: 'silver', description: 'clean', deps: { raw },
 *   materialize: async (ctx) => ({ value: { rows: ctx.inputs.raw.path.length } }),
 * });
 * ```
 */
export function defineAsset<T, D extends DepsSpec = Record<never, never>>(spec: AssetSpec<T, D>): AssetDefinition<T, D> {
  if (!KEY_PATTERN.test(spec.key)) {
    throw new DefinitionError(`asset key '${spec.key}' must look like 'layer/name' (layer bronze|silver|gold, name in snake_case)`);
  }
  const [layer, name] = spec.key.split('/') as [Layer, string];
  if (layer !== spec.layer || !LAYERS.includes(spec.layer)) {
    throw new DefinitionError(`asset '${spec.key}' declares layer '${spec.layer}' but its key says '${layer}'`);
  }
  if (spec.partitions !== undefined && !isPartitionsDefinition(spec.partitions)) {
    throw new DefinitionError(
      `asset '${spec.key}': partitions must be sixHourlyPartitions or dailyPartitions (exported by strata), got ${describePartitions(spec.partitions)}`,
    );
  }
  if (spec.freshness !== undefined && !(Number.isFinite(spec.freshness.maxLagMs) && spec.freshness.maxLagMs > 0)) {
    throw new DefinitionError(`asset '${spec.key}': freshness.maxLagMs must be a positive number of milliseconds`);
  }
  const servesPartitions = spec.servesPartitions ?? 'any';
  if (!PARTITIONS_SERVED.includes(servesPartitions)) {
    throw new DefinitionError(`asset '${spec.key}': servesPartitions must be one of ${PARTITIONS_SERVED.map((v) => `'${v}'`).join(', ')}, got '${String(servesPartitions)}'`);
  }
  if (servesPartitions === 'current' && spec.partitions === undefined) {
    throw new DefinitionError(`asset '${spec.key}': servesPartitions 'current' needs partitions (an unpartitioned asset has no current partition)`);
  }
  const backfillPolicy = spec.backfillPolicy ?? 'multi_run';
  if (!BACKFILL_POLICIES.includes(backfillPolicy)) {
    throw new DefinitionError(`asset '${spec.key}': backfillPolicy must be one of ${BACKFILL_POLICIES.map((v) => `'${v}'`).join(', ')}, got '${String(backfillPolicy)}'`);
  }
  if (backfillPolicy === 'single_run' && spec.partitions === undefined) {
    throw new DefinitionError(`asset '${spec.key}': backfillPolicy 'single_run' needs partitions (a range of an unpartitioned asset is one run already)`);
  }
  if (backfillPolicy === 'single_run' && servesPartitions === 'current') {
    throw new DefinitionError(`asset '${spec.key}': backfillPolicy 'single_run' cannot go with servesPartitions 'current' (a range never fetches such an asset)`);
  }
  if (spec.group !== undefined && (typeof spec.group !== 'string' || !GROUP_PATTERN.test(spec.group))) {
    throw new DefinitionError(`asset '${spec.key}': group '${String(spec.group)}' must be 1 to 64 characters of lowercase letters, digits, '_' and '-'`);
  }
  if (spec.automation !== undefined && !isAutomationCondition(spec.automation)) {
    throw new DefinitionError(`asset '${spec.key}': automation must be a condition built with automation.eager(), automation.onCron(...), automation.missing(), and, or, not`);
  }
  const owners = spec.owners === undefined ? undefined : ownersOf(spec.key, spec.owners);
  const checks = Object.freeze([...(spec.checks ?? [])]);
  assertUniqueCheckNames(spec.key, checks as readonly AssetCheck<unknown>[]);
  const retry = { ...DEFAULT_RETRY, ...spec.retry };
  if (!Number.isInteger(retry.maxRetries) || retry.maxRetries < 0) {
    throw new DefinitionError(`asset '${spec.key}': retry.maxRetries must be a non-negative integer`);
  }
  if (retry.jitter < 0 || retry.jitter > 1) {
    throw new DefinitionError(`asset '${spec.key}': retry.jitter must be between 0 and 1`);
  }
  const asset = Object.freeze({
    ...spec,
    name,
    deps: (spec.deps ?? {}) as D,
    retry: Object.freeze(retry),
    tags: Object.freeze({ ...spec.tags }),
    ...(owners === undefined ? {} : { owners }),
    checks,
    servesPartitions,
    backfillPolicy,
  });
  recordDefinitionSite(asset);
  return asset;
}

function isPartitionsDefinition(value: unknown): value is PartitionsDefinition {
  const candidate = value as Partial<PartitionsDefinition> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    (candidate.kind === 'six_hourly' || candidate.kind === 'daily') &&
    typeof candidate.parse === 'function' &&
    typeof candidate.keyFor === 'function' &&
    typeof candidate.keysBetween === 'function'
  );
}

function describePartitions(value: unknown): string {
  if (typeof value === 'string') return `the string '${value}'`;
  return value === null ? 'null' : `${typeof value === 'object' ? 'an object' : `a ${typeof value}`} that is not a partitions definition`;
}

function ownersOf(key: string, owners: readonly string[]): readonly string[] {
  if (!Array.isArray(owners)) throw new DefinitionError(`asset '${key}': owners must be an array of e-mail addresses or team/user names`);
  for (const owner of owners) {
    const valid = typeof owner === 'string' && owner.length <= MAX_OWNER_LENGTH && (EMAIL_PATTERN.test(owner) || OWNER_NAME_PATTERN.test(owner));
    if (!valid) {
      throw new DefinitionError(
        `asset '${key}': owner '${String(owner)}' must be an e-mail address or a team/user name (letters, digits, '_', '.', ':', '-'; e.g. 'team:market-data'), at most ${MAX_OWNER_LENGTH} characters`,
      );
    }
  }
  const duplicate = owners.find((owner, index) => owners.indexOf(owner) !== index);
  if (duplicate !== undefined) throw new DefinitionError(`asset '${key}': owner '${duplicate}' is listed twice`);
  return Object.freeze([...owners]);
}

/** Declares a dependency that reads several upstream partitions through `mapping`. */
export function many<T>(asset: AssetDefinition<T>, mapping: PartitionMapping, options: ManyDepOptions = {}): ManyDep<T> {
  return Object.freeze({ kind: 'many', asset, mapping, allowMissing: options.allowMissing ?? false });
}

export function isManyDep(dep: AnyAsset | ManyDep<unknown>): dep is ManyDep<unknown> {
  return (dep as ManyDep<unknown>).kind === 'many';
}

/** The upstream asset a dependency reads, whether plain or `many(...)`. */
export function depAsset(dep: DepsSpec[string]): AnyAsset {
  return (dep as ManyDep<unknown>).kind === 'many' ? (dep as ManyDep<unknown>).asset : (dep as AnyAsset);
}

/** The partition mapping of a `many(...)` dependency, or undefined for a plain one. */
export function depMapping(dep: DepsSpec[string]): PartitionMapping | undefined {
  return (dep as ManyDep<unknown>).kind === 'many' ? (dep as ManyDep<unknown>).mapping : undefined;
}
