/**
 * This project's assets, on top of Strata's shipped crypto pipeline: one written in TypeScript
 * (below) and one in SQL (sql/gold/coin_count.sql). Strata loads this module when
 * STRATA_DEFINITIONS points at it (the npm scripts set it); tests/definitions.test.ts imports it.
 */
import { fileURLToPath } from 'node:url';
import { defineAsset, defineDefinitions, sixHourlyPartitions, type Definitions, type DefinitionsContext } from 'strata';
import cryptoPipeline, { marketSnapshots } from 'strata/pipeline';

/** The ten coins with the largest 24 h price gain in each six-hourly snapshot, into gold.top_gainers. */
export const topGainers = defineAsset({
  key: 'gold/top_gainers',
  layer: 'gold',
  description: 'The ten coins with the largest 24 h price gain in each six-hourly snapshot.',
  deps: { snapshots: marketSnapshots },
  partitions: sixHourlyPartitions,
  async materialize(ctx) {
    if (ctx.partition === undefined) throw new Error('gold/top_gainers is partitioned: materialize it for a partition');
    const snapshotAt = ctx.partition.start.toISOString();
    // One transaction: readers see the previous rows until the new ones are in.
    const rows = await ctx.resources.database.withSession(async (session) => {
      await session.query('DELETE FROM gold.top_gainers WHERE snapshot_at = $1', [snapshotAt]);
      const inserted = await session.query(
        `INSERT INTO gold.top_gainers (snapshot_at, rank, coin_id, symbol, current_price, price_change_percentage_24h)
         SELECT snapshot_at, row_number() OVER (ORDER BY price_change_percentage_24h DESC, coin_id), coin_id, symbol, current_price,
                price_change_percentage_24h
         FROM silver.market_snapshots
         WHERE snapshot_at = $1 AND price_change_percentage_24h IS NOT NULL
         ORDER BY price_change_percentage_24h DESC, coin_id
         LIMIT 10`,
        [snapshotAt],
      );
      return inserted.rowCount;
    });
    ctx.log.info('top gainers written', { rows });
    return { value: { snapshotAt, rows }, metadata: { rows } };
  },
});

export default function definitions(context: DefinitionsContext): Definitions {
  return defineDefinitions({
    include: [cryptoPipeline(context)],
    assets: [topGainers],
    // Every .sql file under sql/ is an asset too (relative to this file's folder).
    sqlAssetDirs: ['sql'],
    // The tables this project's TypeScript assets write; run once each, in order, after Strata's.
    migrations: [{ folder: fileURLToPath(new URL('./migrations/', import.meta.url)), table: 'project_migrations' }],
  });
}
