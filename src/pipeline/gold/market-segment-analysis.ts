import { defineAsset } from '../../index.js';
import { sixHourlyPartitions } from '../../index.js';
import { GOLD_FRESHNESS } from '../freshness.js';
import { requirePartition } from '../bronze/require-partition.js';
import { marketSnapshots } from '../silver/market-snapshots.js';
import { GoldOutputSchema } from './gold-output.js';
import { rebuildSnapshot } from './rebuild-snapshot.js';
import { segmentsSumToTotal } from '../checks/gold-checks.js';
import { ANOMALY_CHECKS } from '../checks/anomaly-checks.js';

/** One row per market-cap category present at each snapshot. */
export const marketSegmentAnalysis = defineAsset({
  key: 'gold/market_segment_analysis',
  layer: 'gold',
  group: 'marts',
  description: 'Per market-cap category and snapshot: coin count, total market cap, market share, volume, average and median 24h change.',
  deps: { snapshots: marketSnapshots },
  partitions: sixHourlyPartitions,
  freshness: GOLD_FRESHNESS,
  output: GoldOutputSchema,
  checks: [segmentsSumToTotal, ...ANOMALY_CHECKS],
  async materialize(ctx) {
    const partition = requirePartition(ctx);
    const snapshotAt = partition.start.toISOString();
    const rows = await rebuildSnapshot(ctx.resources.database.withSession, 'gold.market_segment_analysis', 'gold/market_segment_analysis.sql', [
      snapshotAt,
    ]);
    return { value: { snapshotAt, rows }, metadata: { rows } };
  },
});
