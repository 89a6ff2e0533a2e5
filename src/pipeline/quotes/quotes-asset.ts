/**
 * The silver asset of a source besides CoinGecko: its bronze partition's pages, through the
 * source's adapter, into silver.market_quotes (the unified schema), one transaction per
 * partition. Invalid and duplicate rows go to silver.quarantine; coins the mapping does not know
 * are stored with a NULL coin_id and counted in `unmapped` (silver.unmapped_coins lists them).
 */
import type { AssetCheck } from '../../index.js';
import { defineAsset, type AssetDefinition } from '../../index.js';
import { sixHourlyPartitions } from '../../index.js';
import type { SqlSession } from '../../index.js';
import type { BronzeOutput } from '../bronze/bronze-output.js';
import { rawResponseFiles, readManifest, readVerifiedFile } from '../bronze/read-bronze.js';
import { requirePartition } from '../bronze/require-partition.js';
import { SILVER_FRESHNESS } from '../freshness.js';
import { replaceQuarantine } from '../silver/quarantine.js';
import { SilverOutputSchema, type SilverOutput } from '../silver/silver-output.js';
import { mergeQuotes } from './merge-quotes.js';
import { splitQuotes } from './split-quotes.js';
import type { SourceAdapter } from './unified-quote.js';

export interface QuotesAssetSpec {
  readonly key: `silver/${string}`;
  readonly description: string;
  readonly bronze: AssetDefinition<BronzeOutput>;
  readonly adapter: SourceAdapter;
  /** Runs first in the load's transaction, e.g. to sync the source's coin-id mapping table. */
  readonly prepare?: (session: SqlSession) => Promise<void>;
  readonly checks?: readonly AssetCheck<SilverOutput>[];
}

export function defineQuotesAsset(spec: QuotesAssetSpec) {
  return defineAsset({
    key: spec.key,
    layer: 'silver',
    group: spec.adapter.source,
    description: spec.description,
    deps: { bronze: spec.bronze },
    partitions: sixHourlyPartitions,
    freshness: SILVER_FRESHNESS,
    output: SilverOutputSchema,
    tags: { source: spec.adapter.source },
    ...(spec.checks ? { checks: spec.checks } : {}),
    async materialize(ctx): Promise<{ value: SilverOutput; metadata: Record<string, number> }> {
      const partition = requirePartition(ctx);
      const { bronze, database } = ctx.resources;
      const { prefix } = ctx.inputs.bronze;
      const manifest = await readManifest(bronze, prefix);
      const pages = [];
      for (const file of rawResponseFiles(manifest)) {
        pages.push({ name: file.name, body: await readVerifiedFile(bronze, prefix, file) });
      }
      const { quotes, quarantined, bronzeRows } = splitQuotes(spec.adapter, pages);
      if (bronzeRows !== manifest.rows) {
        throw new Error(`${prefix}: the pages hold ${bronzeRows} rows but the manifest says ${manifest.rows}`);
      }
      const snapshotAt = partition.start.toISOString();
      const merged = await database.withSession(async (session) => {
        await spec.prepare?.(session);
        const result = await mergeQuotes(
          session,
          quotes.map((quote) => ({ ...quote, snapshotAt })),
          { source: spec.adapter.source, replaceSnapshot: snapshotAt },
        );
        await replaceQuarantine(session, ctx.assetKey, partition.key, quarantined);
        return result;
      });
      if (quarantined.length > 0) ctx.log.warn('rows quarantined', { quarantined: quarantined.length, first_reason: quarantined[0]?.reason });
      if (merged.unmapped > 0) ctx.log.warn('coins without a unified id (see silver.unmapped_coins)', { unmapped: merged.unmapped });
      return {
        value: { snapshotAt, rows: quotes.length },
        metadata: { rows: quotes.length, quarantined: quarantined.length, unmapped: merged.unmapped, bronze_rows: bronzeRows },
      };
    },
  });
}
