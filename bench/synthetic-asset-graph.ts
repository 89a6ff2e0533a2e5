/**
 * A synthetic warehouse-shaped asset graph for the lineage and catalog benches and tests: sources
 * land in bronze, staging and intermediate models in silver read one to three of the tier before
 * (some fan in from further back), marts in gold join two to six silver models or other marts.
 * Each asset is in its domain's group (`orders`, `payments`, …) and owned by the domain's team,
 * sometimes with a person beside it. Roots are six-hourly or (about a third) unpartitioned
 * reference data; an asset is partitioned when any of its inputs is. Every asset is a no-op.
 * Deterministic: the same size and options give the same graph.
 */
import { defineAsset, type AnyAsset } from '../src/core/asset.js';
import { buildGraph, type AssetGraph } from '../src/core/graph.js';
import { sixHourlyPartitions } from '../src/core/partitions.js';
import type { AssetKey, Layer } from '../src/core/types.js';
import { mulberry32 } from './random.js';

const DOMAINS = ['orders', 'customers', 'payments', 'products', 'inventory', 'shipments', 'marketing', 'support', 'finance', 'web'];
const PEOPLE = ['ana', 'bo', 'chen', 'dara', 'eli', 'femi', 'gus', 'hana', 'ivo', 'jun', 'kai', 'lena'];

/** Share of the assets in each tier, oldest first. */
const TIERS: ReadonlyArray<{ readonly layer: Layer; readonly prefix: string; readonly share: number; readonly fanIn: readonly [number, number] }> = [
  { layer: 'bronze', prefix: 'raw', share: 0.16, fanIn: [0, 0] },
  { layer: 'silver', prefix: 'stg', share: 0.24, fanIn: [1, 2] },
  { layer: 'silver', prefix: 'int', share: 0.24, fanIn: [2, 3] },
  { layer: 'gold', prefix: 'fct', share: 0.2, fanIn: [2, 5] },
  { layer: 'gold', prefix: 'rpt', share: 0.16, fanIn: [2, 6] },
];

/** Assets with a partitioned input must be partitioned the same way; the roots' objective is tighter. */
const FRESHNESS = { bronze: 6 * 3_600_000, silver: 12 * 3_600_000, gold: 24 * 3_600_000 } as const;

export interface SyntheticGraphOptions {
  /** Bronze roots; default 16% of the assets (the shape of the 500-asset lineage bench). */
  readonly roots?: number;
  /** Assets whose materialize throws, so a test can give some a failed last step. */
  readonly failing?: (key: AssetKey) => boolean;
}

function tierCounts(size: number, roots: number | undefined): number[] {
  if (roots === undefined) {
    const counts = TIERS.map((tier) => Math.round(size * tier.share));
    counts[counts.length - 1] = size - counts.slice(0, -1).reduce((a, b) => a + b, 0);
    return counts;
  }
  const rest = TIERS.slice(1).reduce((sum, tier) => sum + tier.share, 0);
  const counts = [roots, ...TIERS.slice(1).map((tier) => Math.round(((size - roots) * tier.share) / rest))];
  counts[counts.length - 1] = size - counts.slice(0, -1).reduce((a, b) => a + b, 0);
  return counts;
}

export function syntheticWarehouseGraph(size: number, options: SyntheticGraphOptions = {}): AssetGraph {
  // Dependencies draw from one sequence and groups, owners, partitions from another, so adding a
  // decoration never changes the dependencies (the lineage bench's figures stay comparable).
  const random = mulberry32(500);
  const decoration = mulberry32(501);
  const counts = tierCounts(size, options.roots);
  const tiers: AnyAsset[][] = [];
  TIERS.forEach((tier, t) => {
    const assets: AnyAsset[] = [];
    for (let i = 0; i < (counts[t] ?? 0); i++) {
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
      const partitioned = t === 0 ? decoration() >= 0.35 : Object.values(deps).some((dep) => dep.partitions !== undefined);
      const person = decoration();
      const owners = person < 0.05 ? [] : person < 0.35 ? [`team:${domain}`, `${PEOPLE[Math.floor(person * 1000) % PEOPLE.length]}@example.com`] : [`team:${domain}`];
      const fails = options.failing?.(key) ?? false;
      assets.push(
        defineAsset<number, Record<string, AnyAsset>>({
          key,
          layer: tier.layer,
          group: domain,
          owners,
          description: `${tier.prefix} model of ${domain} (synthetic)`,
          deps,
          ...(partitioned ? { partitions: sixHourlyPartitions, freshness: { maxLagMs: FRESHNESS[tier.layer] } } : {}),
          materialize: async () => {
            if (fails) throw new Error(`${key}: synthetic failure`);
            return { value: 0 };
          },
        }),
      );
    }
    tiers.push(assets);
  });
  return buildGraph(tiers.flat());
}
