/**
 * How a SQL-file asset is partitioned, and how it reads each dep:
 * - without `-- partitions:`, like its partitioned deps (which must agree), else unpartitioned;
 * - `-- partitions: daily` over six-hourly deps reads each day's four windows
 *   (`many(dep, dailyToSixHourly)`, missing windows left out, like the shipped daily marts);
 * - an unpartitioned dep is read whole by every partition.
 * Anything else (a six-hourly asset over a daily dep, `none` over a partitioned dep) has no
 * mapping and is an error at the line that declares it.
 */
import { type AnyAsset, type DepsSpec, many } from '../../core/asset.js';
import { dailyPartitions, dailyToSixHourly, sixHourlyPartitions } from '../../core/partitions.js';
import type { PartitionsDefinition } from '../../core/types.js';
import type { SqlDep, SqlHeader } from './parse-sql-header.js';
import { SqlAssetError } from './sql-asset-error.js';

export interface ResolvedDeps {
  readonly deps: DepsSpec;
  readonly partitions: PartitionsDefinition | undefined;
}

/** `upstream` has the asset of each of `header.deps`, in order. */
export function resolvePartitions(header: SqlHeader, upstream: readonly AnyAsset[]): ResolvedDeps {
  const partitioned = header.deps.map((dep, index) => ({ dep, asset: upstream[index] as AnyAsset })).filter(({ asset }) => asset.partitions !== undefined);
  const declared = header.partitions;
  let partitions: PartitionsDefinition | undefined;
  if (declared === undefined) {
    const first = partitioned[0];
    const other = partitioned.find(({ asset }) => asset.partitions?.kind !== first?.asset.partitions?.kind);
    if (first !== undefined && other !== undefined) {
      throw new SqlAssetError(
        header.file,
        other.dep.line,
        `deps disagree on partitions: ${first.dep.key} is ${kindOf(first.asset)} but ${other.dep.key} is ${kindOf(other.asset)}; ` +
          "say which this asset is with '-- partitions: daily' (a day reads its six-hourly windows)",
      );
    }
    partitions = first?.asset.partitions;
  } else if (declared.value !== 'none') {
    partitions = declared.value === 'daily' ? dailyPartitions : sixHourlyPartitions;
  }
  const deps: Record<string, DepsSpec[string]> = {};
  header.deps.forEach((dep, index) => {
    const asset = upstream[index] as AnyAsset;
    deps[dep.key] = readDep(header, dep, asset, partitions);
  });
  return { deps, partitions };
}

function readDep(header: SqlHeader, dep: SqlDep, asset: AnyAsset, partitions: PartitionsDefinition | undefined): DepsSpec[string] {
  const theirs = asset.partitions?.kind;
  const own = partitions?.kind;
  if (theirs === undefined || theirs === own) return asset;
  if (own === 'daily' && theirs === 'six_hourly') return many(asset, dailyToSixHourly, { allowMissing: true });
  const line = header.partitions?.line ?? dep.line;
  throw new SqlAssetError(
    header.file,
    line,
    own === undefined
      ? `an unpartitioned asset cannot depend on ${dep.key}, which is ${theirs}: remove '-- partitions: none' to partition it like its deps`
      : `a ${own} asset cannot depend on ${dep.key}, which is ${theirs}: use '-- partitions: ${theirs}'`,
  );
}

function kindOf(asset: AnyAsset): string {
  return asset.partitions?.kind ?? 'unpartitioned';
}
