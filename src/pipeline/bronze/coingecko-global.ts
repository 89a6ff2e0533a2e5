import { defineAsset } from '../../index.js';
import { sixHourlyPartitions } from '../../index.js';
import { BRONZE_FRESHNESS } from '../freshness.js';
import { BronzeOutputSchema, type BronzeOutput } from './bronze-output.js';
import { MANIFEST_FILE, bronzePrefix, describeFile, encodeManifest } from './manifest.js';
import { requirePartition } from './require-partition.js';
import { ANOMALY_CHECKS } from '../checks/anomaly-checks.js';

export const GLOBAL_FILE = 'global.json';

/** The raw `/global` response (total market cap and volume per currency), as received. */
export const coingeckoGlobal = defineAsset<BronzeOutput>({
  key: 'bronze/coingecko_global',
  layer: 'bronze',
  group: 'coingecko',
  description: 'Raw CoinGecko /global response (JSON as received) and a manifest.',
  partitions: sixHourlyPartitions,
  freshness: BRONZE_FRESHNESS,
  output: BronzeOutputSchema,
  pool: 'coingecko',
  // /coins/markets and /global serve only the current state: a past partition cannot be fetched.
  servesPartitions: 'current',
  retry: { maxRetries: 1, initialDelayMs: 5_000 },
  tags: { source: 'coingecko' },
  checks: ANOMALY_CHECKS,
  async materialize(ctx) {
    const partition = requirePartition(ctx);
    const { bronze, coingecko } = ctx.resources;
    const prefix = bronzePrefix('coingecko_global', partition.key);
    const response = await coingecko.getGlobal({ signal: ctx.signal });
    const file = describeFile(GLOBAL_FILE, response.body, 1, {
      url: response.url,
      status: response.status,
      fetchedAt: response.fetchedAt.toISOString(),
    });
    const manifest = encodeManifest({ asset: ctx.assetKey, partition: partition.key, fetchedAt: response.fetchedAt.toISOString(), rows: 1, files: [file] });
    await bronze.writePartition(prefix, [
      { name: GLOBAL_FILE, bytes: response.body },
      { name: MANIFEST_FILE, bytes: manifest },
    ]);
    return { value: { prefix, rows: 1, files: 1 }, metadata: { rows: 1, bytes: response.body.byteLength } };
  },
});
