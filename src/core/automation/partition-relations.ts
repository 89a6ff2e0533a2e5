/**
 * Which partitions automation relates: the upstream partitions one partition reads (through
 * its dependencies' partition mappings), and the reverse, the downstream partitions that read
 * one upstream partition: what to re-evaluate when it changes. Keys are '' when unpartitioned.
 */
import { depAsset, depMapping, isManyDep, type AnyAsset, type DepsSpec } from '../asset.js';
import type { PartitionsDefinition } from '../types.js';

export interface UpstreamRef {
  readonly assetKey: string;
  readonly partitionKey: string;
  readonly allowMissing: boolean;
}

/** The upstream partitions `partitionKey` of `asset` reads, dependency by dependency. */
export function upstreamPartitionsOf(asset: AnyAsset, partitionKey: string): UpstreamRef[] {
  const refs: UpstreamRef[] = [];
  for (const dep of Object.values(asset.deps as DepsSpec)) {
    const upstream = depAsset(dep);
    const allowMissing = isManyDep(dep) && dep.allowMissing;
    if (upstream.partitions === undefined) {
      refs.push({ assetKey: upstream.key, partitionKey: '', allowMissing });
      continue;
    }
    if (asset.partitions === undefined) continue;
    const mapping = depMapping(dep);
    const keys = mapping === undefined ? [partitionKey] : mapping.upstreamKeys(asset.partitions.parse(partitionKey), upstream.partitions);
    for (const key of keys) refs.push({ assetKey: upstream.key, partitionKey: key, allowMissing });
  }
  return refs;
}

/**
 * The partitions of `downstream` that read `upstreamKey` of `upstream` (one of its deps).
 * An unpartitioned upstream is read by every partition: only the one that contains `now` is
 * returned, since automation never reaches back over a whole history by itself.
 */
export function downstreamPartitionsOf(downstream: AnyAsset, upstream: AnyAsset, upstreamKey: string, now: Date): string[] {
  const own = downstream.partitions;
  if (own === undefined) return [''];
  if (upstream.partitions === undefined) return [own.keyFor(now)];
  const keys = new Set<string>();
  for (const dep of Object.values(downstream.deps as DepsSpec)) {
    if (depAsset(dep).key !== upstream.key) continue;
    const mapping = depMapping(dep);
    if (mapping === undefined) {
      keys.add(upstreamKey);
      continue;
    }
    const window = upstream.partitions.parse(upstreamKey);
    const candidates = mapping.downstreamKeys?.(window, own) ?? overlapping(own, window.start, window.end);
    for (const key of candidates) keys.add(key);
  }
  return [...keys];
}

function overlapping(partitions: PartitionsDefinition, start: Date, end: Date): string[] {
  return partitions.keysBetween(partitions.keyFor(start), partitions.keyFor(new Date(end.getTime() - 1)));
}
