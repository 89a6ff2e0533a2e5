import { defineAsset } from '../../index.js';
import { sixHourlyPartitions } from '../../index.js';
import { GOLD_FRESHNESS } from '../freshness.js';
import { requirePartition } from '../bronze/require-partition.js';
import { globalSnapshots } from '../silver/global-snapshots.js';
import { marketSnapshots } from '../silver/market-snapshots.js';
import { GoldOutputSchema } from './gold-output.js';
import { rebuildSnapshot } from './rebuild-snapshot.js';
import { dominanceInRange, dominanceSumAtMost100, topNComplete } from '../checks/gold-checks.js';
import { ANOMALY_CHECKS } from '../checks/anomaly-checks.js';

/** The top N coins by market-cap rank at each snapshot, with dominance, trend, liquidity and 7d/30d statistics. */
export const cryptoAnalyticsMart = defineAsset({
  key: 'gold/crypto_analytics_mart',
  layer: 'gold',
  group: 'marts',
  description: 'Top N coins by market-cap rank per snapshot: dominance %, price trend, liquidity, volume/market-cap, 7d/30d return and volatility.',
  deps: { snapshots: marketSnapshots, global: globalSnapshots },
  partitions: sixHourlyPartitions,
  freshness: GOLD_FRESHNESS,
  output: GoldOutputSchema,
  checks: [dominanceInRange, dominanceSumAtMost100, topNComplete, ...ANOMALY_CHECKS],
  async materialize(ctx) {
    const partition = requirePartition(ctx);
    const { database, settings } = ctx.resources;
    const snapshotAt = partition.start.toISOString();
    const rows = await rebuildSnapshot(database.withSession, 'gold.crypto_analytics_mart', 'gold/crypto_analytics_mart.sql', [
      snapshotAt,
      settings.martTopN,
    ]);
    return { value: { snapshotAt, rows }, metadata: { rows, top_n: settings.martTopN } };
  },
});
