/**
 * Quotes of the market-data API, read from silver.market_quotes (every source side by side):
 *
 * - `marketLatest`: the newest snapshot of each source, ordered by source, then market-cap
 *   rank (coins without a rank last) or descending. One index range scan per source
 *   (market_quotes_latest_rank_idx), so a page never sorts a whole snapshot.
 * - `coinHistory`: one coin's quotes over time, keyed (snapshot_at, source, source_coin_id);
 *   source_coin_id only breaks ties should a source ever quote one coin under two ids.
 *
 * Unmapped quotes (coin_id NULL) are listed by `latest`, never attributed to a coin.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../storage/index.js';
import { afterKey, decodeCursor, keyPart, keySelection, orderByKey, toPage, type Page, type SortOrder } from './market-keyset.js';

export interface MarketQuote {
  readonly source: string;
  readonly source_coin_id: string;
  readonly coin_id: string | null;
  readonly snapshot_at: Date;
  readonly symbol: string;
  readonly name: string;
  readonly price_usd: string | null;
  readonly market_cap_usd: string | null;
  readonly total_volume_usd: string | null;
  readonly market_cap_rank: number | null;
  readonly circulating_supply: string | null;
  readonly total_supply: string | null;
  readonly max_supply: string | null;
  readonly price_change_percentage_24h: string | null;
  readonly last_updated: Date | null;
}

const QUOTE_COLUMNS = sql.raw(
  [
    'source', 'source_coin_id', 'coin_id', 'snapshot_at', 'symbol', 'name', 'price_usd', 'market_cap_usd', 'total_volume_usd',
    'market_cap_rank', 'circulating_supply', 'total_supply', 'max_supply', 'price_change_percentage_24h', 'last_updated',
  ]
    .map((column) => `q.${column}`)
    .join(', '),
);

/** Within one snapshot of one source: the expression market_quotes_latest_rank_idx holds. */
const RANK_KEY = [keyPart('coalesce(q.market_cap_rank, 2147483647)', 'integer'), keyPart('q.source_coin_id', 'text')];
/** The cursor's key: the source first, because a page may span sources. */
const LATEST_KEY = [keyPart('q.source', 'text'), ...RANK_KEY];

export const LATEST_SORTS = ['market_cap_rank'] as const;
export type LatestSort = (typeof LATEST_SORTS)[number];

export interface LatestSnapshot {
  readonly source: string;
  readonly snapshot_at: Date;
}

export interface LatestRequest {
  readonly source?: string;
  readonly symbol?: string;
  readonly coinId?: string;
  readonly sort: LatestSort;
  readonly order: SortOrder;
  readonly limit: number;
  readonly cursor?: string;
}

export interface LatestPage extends Page<MarketQuote> {
  /** Each source's newest snapshot, in page order: the snapshots the quotes come from. */
  readonly snapshots: readonly LatestSnapshot[];
}

/**
 * Each source's newest snapshot. The distinct sources come from a loose index scan of the
 * primary key (one probe per source, not a scan of every quote).
 */
async function latestSnapshots(db: Kysely<Database>, source?: string): Promise<(LatestSnapshot & { readonly exact: string })[]> {
  const sources =
    source === undefined
      ? sql`WITH RECURSIVE s (source) AS (
              (SELECT source FROM silver.market_quotes ORDER BY source LIMIT 1)
              UNION ALL
              SELECT (SELECT q.source FROM silver.market_quotes q WHERE q.source > s.source ORDER BY q.source LIMIT 1)
              FROM s WHERE s.source IS NOT NULL)
            SELECT source FROM s WHERE source IS NOT NULL`
      : sql`SELECT ${source}::text AS source`;
  // `exact`: the time as text with microseconds, to select the snapshot's rows by equality.
  const { rows } = await sql<LatestSnapshot & { exact: string }>`
    SELECT l.source, l.snapshot_at, l.snapshot_at::text AS exact FROM (
      SELECT s.source, (SELECT max(q.snapshot_at) FROM silver.market_quotes q WHERE q.source = s.source) AS snapshot_at
      FROM (${sources}) s) l
    WHERE l.snapshot_at IS NOT NULL`.execute(db);
  // In code-unit order, not the database collation's: marketLatest compares cursor sources in JS.
  return rows.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
}

export async function marketLatest(db: Kysely<Database>, request: LatestRequest): Promise<LatestPage> {
  const { order, limit } = request;
  const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor, request.sort, order, LATEST_KEY);
  const all = await latestSnapshots(db, request.source);
  const inOrder = order === 'asc' ? all : [...all].reverse();
  const [afterSource, ...afterRank] = after ?? [];
  const snapshots =
    afterSource === undefined ? inOrder : inOrder.filter((snapshot) => (order === 'asc' ? snapshot.source >= afterSource : snapshot.source <= afterSource));
  const fetched: Record<string, unknown>[] = [];
  const used: LatestSnapshot[] = [];
  for (const snapshot of snapshots) {
    if (fetched.length > limit) break;
    const conditions = [sql`q.source = ${snapshot.source}`, sql`q.snapshot_at = ${snapshot.exact}::timestamptz`, ...filtersOf(request)];
    if (snapshot.source === afterSource) conditions.push(afterKey(RANK_KEY, order, afterRank));
    const { rows } = await sql<Record<string, unknown>>`
      SELECT ${QUOTE_COLUMNS}, ${keySelection(LATEST_KEY)}
      FROM silver.market_quotes q
      WHERE ${sql.join(conditions, sql` AND `)}
      ORDER BY ${orderByKey(RANK_KEY, order)}
      LIMIT ${limit + 1 - fetched.length}`.execute(db);
    if (rows.length > 0) used.push({ source: snapshot.source, snapshot_at: snapshot.snapshot_at });
    fetched.push(...rows);
  }
  const page = toPage<MarketQuote>(fetched, limit, request.sort, order, LATEST_KEY);
  const sourcesOnPage = new Set(page.rows.map((row) => row.source));
  return { ...page, snapshots: used.filter((snapshot) => sourcesOnPage.has(snapshot.source)) };
}

function filtersOf(request: { readonly symbol?: string; readonly coinId?: string }): RawBuilder<unknown>[] {
  const conditions: RawBuilder<unknown>[] = [];
  if (request.symbol !== undefined) conditions.push(sql`q.symbol = ${request.symbol.toLowerCase()}`);
  if (request.coinId !== undefined) conditions.push(sql`q.coin_id = ${request.coinId}`);
  return conditions;
}

const HISTORY_KEY = [keyPart('q.snapshot_at', 'timestamptz'), keyPart('q.source', 'text'), keyPart('q.source_coin_id', 'text')];
export const HISTORY_SORTS = ['snapshot_at'] as const;
export type HistorySort = (typeof HISTORY_SORTS)[number];

export interface HistoryRequest {
  readonly source?: string;
  /** Snapshots at or after. */
  readonly from?: Date;
  /** Snapshots before. */
  readonly to?: Date;
  readonly sort: HistorySort;
  readonly order: SortOrder;
  readonly limit: number;
  readonly cursor?: string;
}

/** A coin's quotes over time; the caller checks the coin exists (requireCoin). */
export async function coinHistory(db: Kysely<Database>, coinId: string, request: HistoryRequest): Promise<Page<MarketQuote>> {
  const conditions = [sql`q.coin_id = ${coinId}`];
  if (request.source !== undefined) conditions.push(sql`q.source = ${request.source}`);
  if (request.from !== undefined) conditions.push(sql`q.snapshot_at >= ${request.from}`);
  if (request.to !== undefined) conditions.push(sql`q.snapshot_at < ${request.to}`);
  if (request.cursor !== undefined) {
    conditions.push(afterKey(HISTORY_KEY, request.order, decodeCursor(request.cursor, request.sort, request.order, HISTORY_KEY)));
  }
  const { rows } = await sql<Record<string, unknown>>`
    SELECT ${QUOTE_COLUMNS}, ${keySelection(HISTORY_KEY)}
    FROM silver.market_quotes q
    WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY ${orderByKey(HISTORY_KEY, request.order)}
    LIMIT ${request.limit + 1}`.execute(db);
  return toPage<MarketQuote>(rows, request.limit, request.sort, request.order, HISTORY_KEY);
}

