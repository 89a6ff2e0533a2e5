/**
 * Asset checks: rules evaluated right after an asset partition materializes, with typed access
 * to the asset's output value. An `error` check that fails fails the step (its downstream steps
 * are skipped and the run fails); a `warn` check that fails is recorded and counted only.
 */
import { DefinitionError } from './errors.js';
import type { AssetKey, Clock, Metadata, PartitionWindow, Resources, StepLogger } from './types.js';

export type CheckSeverity = 'error' | 'warn';
export const CHECK_SEVERITIES: readonly CheckSeverity[] = ['error', 'warn'];

export interface CheckContext<T> {
  readonly runId: string;
  readonly assetKey: AssetKey;
  /** Undefined for unpartitioned assets. */
  readonly partition: PartitionWindow | undefined;
  /** What the asset's `materialize` just returned. */
  readonly value: T;
  readonly metadata: Metadata;
  /** How long the materialization took (the attempt that succeeded), in milliseconds. */
  readonly durationMs: number;
  readonly resources: Resources;
  readonly signal: AbortSignal;
  readonly log: StepLogger;
  readonly clock: Clock;
}

export interface CheckResult {
  readonly passed: boolean;
  readonly message?: string;
  readonly metadata?: Metadata;
}

export interface AssetCheckSpec<T> {
  /** snake_case, unique among the asset's checks: used in events, metrics and the CLI. */
  readonly name: string;
  readonly severity: CheckSeverity;
  readonly description: string;
  evaluate(ctx: CheckContext<T>): Promise<CheckResult>;
}

export type AssetCheck<T> = Readonly<AssetCheckSpec<T>>;

const NAME_PATTERN = /^[a-z][a-z0-9_]*$/;

/**
 * Defines a check for an asset whose output is `T`; attach it with the asset's `checks`.
 *
 * ```ts
 * const notEmpty = defineCheck<{ rows: number }>({
 *   name: 'not_empty', severity: 'error', description: 'at least one row',
 *   evaluate: async (ctx) => ({ passed: ctx.value.rows > 0, metadata: { rows: ctx.value.rows } }),
 * });
 * ```
 */
export function defineCheck<T>(spec: AssetCheckSpec<T>): AssetCheck<T> {
  if (!NAME_PATTERN.test(spec.name)) throw new DefinitionError(`check name '${spec.name}' must be snake_case`);
  if (!CHECK_SEVERITIES.includes(spec.severity)) {
    throw new DefinitionError(`check '${spec.name}': severity must be 'error' or 'warn', not '${String(spec.severity)}'`);
  }
  return Object.freeze({ ...spec });
}

/** Rejects two checks of one asset with the same name, naming the asset. */
export function assertUniqueCheckNames(assetKey: AssetKey, checks: readonly AssetCheck<unknown>[]): void {
  const seen = new Set<string>();
  for (const check of checks) {
    if (seen.has(check.name)) throw new DefinitionError(`asset '${assetKey}' has two checks named '${check.name}'`);
    seen.add(check.name);
  }
}
