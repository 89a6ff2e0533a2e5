import type { PartitionMapping } from './asset.js';
import { DefinitionError } from './errors.js';
import type { PartitionWindow, PartitionsDefinition } from './types.js';

/** The downstream partition reads the upstream partition with the same key. */
export const identityMapping: PartitionMapping = Object.freeze({
  name: 'identity',
  upstreamKeys(downstream: PartitionWindow, upstream: PartitionsDefinition): string[] {
    return [upstream.parse(downstream.key).key];
  },
});

/** A daily partition reads the four six-hourly windows of its day, in time order. */
export const dailyToSixHourly: PartitionMapping = Object.freeze({
  name: 'daily_to_six_hourly',
  downstreamKind: 'daily',
  upstreamKind: 'six_hourly',
  upstreamKeys(downstream: PartitionWindow, upstream: PartitionsDefinition): string[] {
    if (upstream.kind !== 'six_hourly') {
      throw new DefinitionError(`partition mapping daily_to_six_hourly needs a six_hourly upstream, got ${upstream.kind}`);
    }
    const first = upstream.keyFor(downstream.start);
    const last = upstream.keyFor(new Date(downstream.end.getTime() - 1));
    return upstream.keysBetween(first, last);
  },
});
