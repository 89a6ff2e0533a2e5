import type { AnyAsset, DepsSpec } from './asset.js';
import { depAsset, depMapping, isManyDep } from './asset.js';
import { DefinitionError, StepInputError } from './errors.js';
import { describeStep, stepKey } from './step-key.js';
import type { AssetKey, PartitionWindow } from './types.js';

/** Loads an upstream output not produced in this run; undefined when there is none. */
export type LoadInput = (assetKey: AssetKey, partitionKey: string | null) => Promise<unknown | undefined>;

/** One upstream asset partition a step reads. */
export interface InputSource {
  readonly upstream: AnyAsset;
  readonly partition: string | null;
}

/** The sources of one named input; `many` inputs are arrays, the others a single value. */
export interface InputPlan {
  readonly name: string;
  readonly many: boolean;
  /** A `many(..., { allowMissing: true })` input: unmaterialized sources are left out. */
  readonly allowMissing: boolean;
  readonly sources: readonly InputSource[];
}

export function planInputs(asset: AnyAsset, partition: PartitionWindow | undefined): InputPlan[] {
  return Object.entries(asset.deps as DepsSpec).map(([name, dep]) => {
    const upstream = depAsset(dep);
    const mapping = depMapping(dep);
    const allowMissing = isManyDep(dep) && dep.allowMissing;
    if (!upstream.partitions) return { name, many: mapping !== undefined, allowMissing, sources: [{ upstream, partition: null }] };
    if (!partition) {
      throw new DefinitionError(`${asset.key} -> ${upstream.key}: an unpartitioned step cannot read a partitioned upstream`);
    }
    const keys = mapping ? mapping.upstreamKeys(partition, upstream.partitions) : [partition.key];
    return { name, many: mapping !== undefined, allowMissing, sources: keys.map((key) => ({ upstream, partition: key })) };
  });
}

/**
 * Builds a step's `inputs`: outputs produced earlier in this run, else stored ones from
 * `loadInput`, which are parsed with the upstream's `output` schema when it has one. A
 * missing stored output fails the step, except in a `many(..., { allowMissing: true })` input.
 */
export async function loadInputs(
  asset: AnyAsset,
  partition: PartitionWindow | undefined,
  produced: ReadonlyMap<string, unknown>,
  loadInput: LoadInput,
): Promise<Record<string, unknown>> {
  const inputs: Record<string, unknown> = {};
  for (const plan of planInputs(asset, partition)) {
    const values: unknown[] = [];
    for (const source of plan.sources) {
      const key = stepKey(source.upstream.key, source.partition);
      if (produced.has(key)) {
        values.push(produced.get(key));
        continue;
      }
      const stored = await loadInput(source.upstream.key, source.partition);
      if (stored === undefined && plan.allowMissing) continue;
      values.push(parseStored(asset, plan.name, source, stored));
    }
    inputs[plan.name] = plan.many ? values : values[0];
  }
  return inputs;
}

function parseStored(asset: AnyAsset, name: string, source: InputSource, stored: unknown): unknown {
  const { upstream, partition } = source;
  const where = `input '${name}' of ${asset.key} from ${describeStep(upstream.key, partition)}`;
  if (stored === undefined) {
    throw new StepInputError(asset.key, upstream.key, partition, `${where}: no materialization found; materialize the upstream first`);
  }
  if (!upstream.output) return stored;
  const parsed = upstream.output.safeParse(stored);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  throw new StepInputError(asset.key, upstream.key, partition, `${where}: stored output does not match its schema (${issues})`);
}
