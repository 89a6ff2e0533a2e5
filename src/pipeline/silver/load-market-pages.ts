import type { SqlSession } from '../../index.js';
import { quoteFromMarketRow } from '../quotes/coingecko-adapter.js';
import { quoteLine } from '../quotes/merge-quotes.js';
import { replaceSnapshotQuotes } from '../quotes/replace-snapshot-quotes.js';
import { loadMarketSnapshots } from './load-market-snapshots.js';
import { createMarketRowSplitter, type QuarantinedRow, type StagedMarketRow } from './market-rows.js';
import { replaceQuarantine } from './quarantine.js';
import { detectPageDrift, mergeDrift, recordDrift, type Drift } from './schema-drift.js';

export interface MarketPage {
  readonly name: string;
  readonly body: Buffer;
}

export interface LoadMarketPagesOptions {
  readonly assetKey: string;
  readonly partitionKey: string;
  /** ISO 8601. */
  readonly snapshotAt: string;
  /** When the drift was seen (the run's clock). */
  readonly seenAt: Date;
}

export interface LoadedMarketPages {
  readonly rows: number;
  readonly quarantined: readonly QuarantinedRow[];
  readonly bronzeRows: number;
  readonly drift: readonly Drift[];
}

/**
 * Replaces one snapshot of CoinGecko markets in silver from its raw pages, inside the caller's
 * transaction. Each page is parsed, validated and checked for drift as the COPY into
 * silver.market_snapshots asks for rows, so one page's objects are alive at a time; the same
 * rows' unified quotes (silver.market_quotes) are kept as CSV text and COPYed after, then the
 * quarantine and the drift are written.
 */
export async function loadMarketPages(session: SqlSession, pages: AsyncIterable<MarketPage>, options: LoadMarketPagesOptions): Promise<LoadedMarketPages> {
  const { snapshotAt } = options;
  const splitter = createMarketRowSplitter();
  const drift = new Map<string, Drift>();
  const quoteLines: string[] = [];
  async function* rows(): AsyncGenerator<readonly StagedMarketRow[]> {
    for await (const page of pages) {
      const { staged, data } = splitter.splitPage(page);
      mergeDrift(drift, detectPageDrift(data));
      for (const { row, sourceFile, sourceRow } of staged) quoteLines.push(quoteLine({ ...quoteFromMarketRow(row), snapshotAt, sourceFile, sourceRow }));
      yield staged;
    }
  }
  const copied = await loadMarketSnapshots(session, snapshotAt, rows());
  await replaceSnapshotQuotes(session, 'coingecko', snapshotAt, quoteLines);
  await replaceQuarantine(session, options.assetKey, options.partitionKey, splitter.quarantined);
  const found = [...drift.values()];
  await recordDrift(session, found, options.partitionKey, options.seenAt);
  return { rows: copied, quarantined: splitter.quarantined, bronzeRows: splitter.bronzeRows, drift: found };
}
