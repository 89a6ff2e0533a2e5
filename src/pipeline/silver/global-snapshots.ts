import { defineAsset } from '../../index.js';
import { sixHourlyPartitions } from '../../index.js';
import { SILVER_FRESHNESS } from '../freshness.js';
import { coingeckoGlobal } from '../bronze/coingecko-global.js';
import { rawResponseFiles, readManifest, readVerifiedFile } from '../bronze/read-bronze.js';
import { requirePartition } from '../bronze/require-partition.js';
import { parseGlobal, parseLosslessJson, stringifyLosslessJson } from '../sources/index.js';
import { loadSql } from '../sql-files.js';
import { replaceQuarantine } from './quarantine.js';
import { SilverOutputSchema, type SilverOutput } from './silver-output.js';
import { ANOMALY_CHECKS } from '../checks/anomaly-checks.js';

/**
 * The market-wide totals of each snapshot (from `/global`), used as the denominator of market
 * dominance. An invalid response is quarantined, and the mart then falls back to the snapshot sum.
 */
export const globalSnapshots = defineAsset({
  key: 'silver/global_snapshots',
  layer: 'silver',
  group: 'coingecko',
  description: 'Market-wide totals per snapshot (total market cap and volume in USD, BTC/ETH share) from /global.',
  deps: { global: coingeckoGlobal },
  partitions: sixHourlyPartitions,
  freshness: SILVER_FRESHNESS,
  output: SilverOutputSchema,
  tags: { source: 'coingecko' },
  checks: ANOMALY_CHECKS,
  async materialize(ctx): Promise<{ value: SilverOutput; metadata: Record<string, number> }> {
    const partition = requirePartition(ctx);
    const { bronze, database } = ctx.resources;
    const { prefix } = ctx.inputs.global;
    const manifest = await readManifest(bronze, prefix);
    const [file] = rawResponseFiles(manifest);
    if (file === undefined) throw new Error(`${prefix}: manifest lists no /global response`);
    const raw = parseLosslessJson((await readVerifiedFile(bronze, prefix, file)).toString('utf8'));
    const parsed = parseGlobal(raw);
    const snapshotAt = partition.start.toISOString();
    await database.withSession(async (session) => {
      await session.query('DELETE FROM silver.global_snapshots WHERE snapshot_at = $1::timestamptz', [snapshotAt]);
      if (parsed.ok) {
        const g = parsed.global;
        await session.query(loadSql('silver/merge_global_snapshot.sql'), [
          snapshotAt,
          g.total_market_cap['usd'] ?? null,
          g.total_volume['usd'] ?? null,
          g.market_cap_percentage['btc'] ?? null,
          g.market_cap_percentage['eth'] ?? null,
          g.market_cap_change_percentage_24h_usd,
          g.active_cryptocurrencies,
          g.markets,
          new Date(g.updated_at * 1000).toISOString(),
          file.name,
        ]);
      }
      const quarantined = parsed.ok ? [] : [{ coinId: null, reason: parsed.reason, rawJson: stringifyLosslessJson(raw), sourceFile: file.name, sourceRow: 0 }];
      await replaceQuarantine(session, ctx.assetKey, partition.key, quarantined);
    });
    if (!parsed.ok) ctx.log.warn('/global response quarantined', { reason: parsed.reason });
    return { value: { snapshotAt, rows: parsed.ok ? 1 : 0 }, metadata: { rows: parsed.ok ? 1 : 0, quarantined: parsed.ok ? 0 : 1, quarantined_invalid: parsed.ok ? 0 : 1 } };
  },
});
