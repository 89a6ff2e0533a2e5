import type { AnyAsset, DepsSpec } from './asset.js';
import { depAsset, depMapping } from './asset.js';
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
  readonly sources: readonly InputSource[];
}

export function planInputs(asset: AnyAsset, partition: PartitionWindow | undefined): InputPlan[] {
  return Object.entries(asset.deps as DepsSpec).map(([name, dep]) => {
    const upstream = depAsset(dep);
    const mapping = depMapping(dep);
    if (!upstream.partitions) return { name, many: mapping !== undefined, sources: [{ upstream, partition: null }] };
    if (!partition) {
      throw new DefinitionError(`${asset.key} -> ${upstream.key}: an unpartitioned step cannot read a partitioned upstream`);
    }
    const keys = mapping ? mapping.upstreamKeys(partition, upstream.partitions) : [partition.key];
    return { name, many: mapping !== undefined, sources: keys.map((key) => ({ upstream, partition: key })) };
  });
}

/**
 * Builds a step's `inputs`: outputs produced earlier in this run, else stored ones from
 * `loadInput`, which are parsed with the upstream's `output` schema when it has one.
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
      values.push(produced.has(key) ? produced.get(key) : await loadStored(asset, plan.name, source, loadInput));
    }
    inputs[plan.name] = plan.many ? values : values[0];
  }
  return inputs;
}

async function loadStored(asset: AnyAsset, name: string, source: InputSource, loadInput: LoadInput): Promise<unknown> {
  const { upstream, partition } = source;
  const where = `input '${name}' of ${asset.key} from ${describeStep(upstream.key, partition)}`;
  const stored = await loadInput(upstream.key, partition);
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
