/**
 * A synthetic warehouse-shaped asset graph for the lineage bench: sources land in bronze,
 * staging and intermediate models in silver read one to three of the tier before (some fan in
 * from further back), marts in gold join two to six silver models or other marts. Every asset is
 * a six-hourly no-op. Deterministic: the same size gives the same graph.
 */
import { defineAsset, type AnyAsset } from '../src/core/asset.js';
import { buildGraph, type AssetGraph } from '../src/core/graph.js';
import { sixHourlyPartitions } from '../src/core/partitions.js';
import type { Layer } from '../src/core/types.js';
import { mulberry32 } from './random.js';

const DOMAINS = ['orders', 'customers', 'payments', 'products', 'inventory', 'shipments', 'marketing', 'support', 'finance', 'web'];

/** Share of the assets in each tier, oldest first. */
const TIERS: ReadonlyArray<{ readonly layer: Layer; readonly prefix: string; readonly share: number; readonly fanIn: readonly [number, number] }> = [
  { layer: 'bronze', prefix: 'raw', share: 0.16, fanIn: [0, 0] },
  { layer: 'silver', prefix: 'stg', share: 0.24, fanIn: [1, 2] },
  { layer: 'silver', prefix: 'int', share: 0.24, fanIn: [2, 3] },
  { layer: 'gold', prefix: 'fct', share: 0.2, fanIn: [2, 5] },
  { layer: 'gold', prefix: 'rpt', share: 0.16, fanIn: [2, 6] },
];

export function syntheticWarehouseGraph(size: number): AssetGraph {
  const random = mulberry32(500);
  const tiers: AnyAsset[][] = [];
  let made = 0;
  TIERS.forEach((tier, t) => {
    const count = t === TIERS.length - 1 ? size - made : Math.round(size * tier.share);
    const assets: AnyAsset[] = [];
    for (let i = 0; i < count; i++) {
      const domain = DOMAINS[i % DOMAINS.length] as string;
      const key = `${tier.layer}/${tier.prefix}_${domain}_${String(i).padStart(3, '0')}`;
      const deps: Record<string, AnyAsset> = {};
      const [low, high] = tier.fanIn;
      const wanted = low + Math.floor(random() * (high - low + 1));
      for (let d = 0; d < wanted; d++) {
        // Mostly the tier just before, sometimes one further back (a fan-in skipping a tier).
        const fromTier = tiers[t - 1 - (t >= 2 && random() < 0.25 ? 1 : 0)] ?? [];
        const upstream = fromTier[Math.floor(random() * fromTier.length)];
        if (upstream !== undefined) deps[`in_${d}`] = upstream;
      }
      assets.push(
        defineAsset<number, Record<string, AnyAsset>>({
          key,
          layer: tier.layer,
          description: `${tier.prefix} model of ${domain} (synthetic, lineage bench)`,
          deps,
          partitions: sixHourlyPartitions,
          materialize: async () => ({ value: 0 }),
        }),
      );
    }
    made += count;
    tiers.push(assets);
  });
  return buildGraph(tiers.flat());
}
