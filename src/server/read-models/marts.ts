/**
 * Read models of the gold marts, shared by the JSON API and the mart data views:
 *
 * - `MARTS`: each mart's table, partition column, columns and the whitelist of sortable ones.
 * - `martList(runtime)`: each mart with its latest partition.
 * - `martRows(runtime, name, request)`: one partition's rows (default: the latest), sorted by a
 *   whitelisted column, offset-paged with a hard maximum page size. A partition of a mart holds
 *   at most a few hundred rows (STRATA_MART_TOP_N coins), so offset paging stays cheap.
 *
 * Numeric columns are strings (exact, as stored). Unknown mart: MartNotFoundError (404); a
 * column outside the whitelist or a bad partition key: ValidationError (400) naming it.
 */
import { sql, type Kysely } from 'kysely';
import { StrataError, ValidationError } from '../../core/errors.js';
import { dailyPartitions, sixHourlyPartitions } from '../../core/partitions.js';
import type { PartitionsDefinition } from '../../core/types.js';
import type { Runtime } from '../../runtime.js';
import type { Database } from '../../storage/index.js';

export class MartNotFoundError extends StrataError {
  constructor(name: string) {
    super('MART_NOT_FOUND', `no mart '${name}'; marts: ${Object.keys(MARTS).join(', ')}`);
  }
}

export interface MartSpec {
  readonly name: string;
  readonly assetKey: string;
  /** Schema-qualified; a constant, never user input. */
  readonly table: string;
  readonly partitions: PartitionsDefinition;
  /** The column a partition key selects: a snapshot time or a day. */
  readonly partitionColumn: string;
  /** Makes an order total: the rest of the primary key. */
  readonly tieBreaker: readonly string[];
  readonly columns: readonly string[];
  /** jsonb columns, read as their JSON text (numbers keep every digit). */
  readonly jsonColumns?: readonly string[];
  readonly sortable: readonly string[];
  readonly defaultSort: { readonly column: string; readonly order: SortOrder };
}

export type SortOrder = 'asc' | 'desc';

export const MARTS: Readonly<Record<string, MartSpec>> = Object.freeze({
  crypto_analytics_mart: {
    name: 'crypto_analytics_mart',
    assetKey: 'gold/crypto_analytics_mart',
    table: 'gold.crypto_analytics_mart',
    partitions: sixHourlyPartitions,
    partitionColumn: 'snapshot_at',
    tieBreaker: ['coin_id'],
    columns: [
      'snapshot_at', 'coin_id', 'market_cap_rank', 'symbol', 'name', 'current_price', 'market_cap', 'total_volume',
      'price_change_percentage_24h', 'market_dominance_pct', 'dominance_basis', 'price_trend_category', 'volume_to_mcap_ratio',
      'liquidity_category', 'market_cap_category', 'return_7d_pct', 'volatility_7d_pct', 'return_30d_pct', 'volatility_30d_pct',
    ],
    sortable: [
      'market_cap_rank', 'coin_id', 'symbol', 'name', 'current_price', 'market_cap', 'total_volume', 'price_change_percentage_24h',
      'market_dominance_pct', 'volume_to_mcap_ratio', 'return_7d_pct', 'volatility_7d_pct', 'return_30d_pct', 'volatility_30d_pct',
    ],
    defaultSort: { column: 'market_cap_rank', order: 'asc' },
  },
  market_segment_analysis: {
    name: 'market_segment_analysis',
    assetKey: 'gold/market_segment_analysis',
    table: 'gold.market_segment_analysis',
    partitions: sixHourlyPartitions,
    partitionColumn: 'snapshot_at',
    tieBreaker: ['market_cap_category'],
    columns: [
      'snapshot_at', 'market_cap_category', 'coin_count', 'total_market_cap', 'market_share_pct', 'total_volume',
      'avg_price_change_24h', 'median_price_change_24h',
    ],
    sortable: ['market_cap_category', 'coin_count', 'total_market_cap', 'market_share_pct', 'total_volume', 'avg_price_change_24h', 'median_price_change_24h'],
    defaultSort: { column: 'market_share_pct', order: 'desc' },
  },
  daily_coin_summary: {
    name: 'daily_coin_summary',
    assetKey: 'gold/daily_coin_summary',
    table: 'gold.daily_coin_summary',
    partitions: dailyPartitions,
    partitionColumn: 'day',
    tieBreaker: ['coin_id'],
    columns: [
      'day', 'coin_id', 'symbol', 'name', 'open_price', 'high_price', 'low_price', 'close_price', 'avg_total_volume',
      'market_cap_close', 'snapshot_count', 'first_snapshot_at', 'last_snapshot_at',
    ],
    sortable: ['coin_id', 'symbol', 'name', 'open_price', 'high_price', 'low_price', 'close_price', 'avg_total_volume', 'market_cap_close', 'snapshot_count'],
    defaultSort: { column: 'market_cap_close', order: 'desc' },
  },
  source_reconciliation: {
    name: 'source_reconciliation',
    assetKey: 'gold/source_reconciliation',
    table: 'gold.source_reconciliation',
    partitions: sixHourlyPartitions,
    partitionColumn: 'snapshot_at',
    tieBreaker: ['coin_id'],
    columns: ['snapshot_at', 'coin_id', 'symbol', 'name', 'source_count', 'prices', 'min_price', 'max_price', 'spread_pct', 'threshold_pct', 'flagged'],
    jsonColumns: ['prices'],
    sortable: ['coin_id', 'symbol', 'name', 'source_count', 'min_price', 'max_price', 'spread_pct', 'flagged'],
    defaultSort: { column: 'spread_pct', order: 'desc' },
  },
  market_daily: {
    name: 'market_daily',
    assetKey: 'gold/market_daily',
    table: 'gold.market_daily',
    partitions: dailyPartitions,
    partitionColumn: 'day',
    tieBreaker: ['coin_id', 'source'],
    columns: [
      'day', 'source', 'coin_id', 'symbol', 'name', 'open_price', 'high_price', 'low_price', 'close_price', 'avg_volume_usd',
      'market_cap_close', 'snapshot_count', 'first_snapshot_at', 'last_snapshot_at',
    ],
    sortable: ['source', 'coin_id', 'symbol', 'name', 'open_price', 'high_price', 'low_price', 'close_price', 'avg_volume_usd', 'market_cap_close', 'snapshot_count'],
    defaultSort: { column: 'market_cap_close', order: 'desc' },
  },
} satisfies Record<string, MartSpec>);

export const MART_NAMES = Object.keys(MARTS) as readonly string[];
export const MAX_MART_PAGE = 500;
export const MAX_MART_OFFSET = 100_000;

export type MartValue = string | number | boolean | null | Date;
export type MartRow = Readonly<Record<string, MartValue>>;

export interface MartSummary {
  readonly name: string;
  readonly assetKey: string;
  readonly description: string;
  readonly partitionsKind: PartitionsDefinition['kind'];
  readonly columns: readonly string[];
  readonly sortable: readonly string[];
  readonly defaultSort: MartSpec['defaultSort'];
  /** The newest partition with rows; null while the mart is empty. */
  readonly latestPartition: string | null;
}

export interface MartRowsRequest {
  /** A partition key of the mart's kind; default the latest. */
  readonly partition?: string;
  /** A sortable column; default the mart's defaultSort. */
  readonly sort?: string;
  readonly order?: SortOrder;
  /** Default 50, at most MAX_MART_PAGE. */
  readonly limit?: number;
  readonly offset?: number;
}

export interface MartRowsPage {
  readonly mart: string;
  /** null: the mart is empty. */
  readonly partition: string | null;
  readonly sort: string;
  readonly order: SortOrder;
  readonly offset: number;
  readonly total: number;
  readonly rows: readonly MartRow[];
  /** Pass as `offset` for the next page; null on the last page. */
  readonly nextOffset: number | null;
}

export function requireMart(name: string): MartSpec {
  if (!Object.hasOwn(MARTS, name)) throw new MartNotFoundError(name);
  return MARTS[name] as MartSpec;
}

/** The partition key of a stored partition value (snapshot time or day). */
function partitionKeyOf(spec: MartSpec, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return spec.partitions.keyFor(value instanceof Date ? value : new Date(`${String(value)}T00:00:00Z`));
}

/** The value of the partition column for a key: the window start, or the day. */
function partitionValue(spec: MartSpec, key: string): Date | string {
  const window = spec.partitions.parse(key);
  return spec.partitionColumn === 'day' ? key : window.start;
}

async function latestPartitionValue(db: Kysely<Database>, spec: MartSpec): Promise<unknown> {
  const result = await sql<{ latest: unknown }>`SELECT max(${sql.ref(spec.partitionColumn)}) AS latest FROM ${sql.table(spec.table)}`.execute(db);
  return result.rows[0]?.latest ?? null;
}

export async function martList(runtime: Runtime): Promise<MartSummary[]> {
  return Promise.all(
    Object.values(MARTS).map(async (spec) => ({
      name: spec.name,
      assetKey: spec.assetKey,
      description: runtime.graph.assets.get(spec.assetKey)?.description ?? '',
      partitionsKind: spec.partitions.kind,
      columns: spec.columns,
      sortable: spec.sortable,
      defaultSort: spec.defaultSort,
      latestPartition: partitionKeyOf(spec, await latestPartitionValue(runtime.database.db, spec)),
    })),
  );
}

export async function martRows(runtime: Runtime, name: string, request: MartRowsRequest = {}): Promise<MartRowsPage> {
  const spec = requireMart(name);
  const sort = request.sort ?? spec.defaultSort.column;
  if (!spec.sortable.includes(sort)) {
    throw new ValidationError(`querystring.sort: '${sort.slice(0, 100)}' is not a sortable column of ${name}; sortable: ${spec.sortable.join(', ')}`);
  }
  const order = request.order ?? (request.sort === undefined ? spec.defaultSort.order : 'asc');
  const limit = Math.min(Math.max(request.limit ?? 50, 1), MAX_MART_PAGE);
  const offset = Math.min(Math.max(request.offset ?? 0, 0), MAX_MART_OFFSET);
  const { db } = runtime.database;
  const partition = request.partition ?? partitionKeyOf(spec, await latestPartitionValue(db, spec));
  if (partition === null) return { mart: name, partition: null, sort, order, offset, total: 0, rows: [], nextOffset: null };
  const where = sql`${sql.ref(spec.partitionColumn)} = ${partitionValue(spec, partition)}`;
  const direction = order === 'asc' ? sql`ASC NULLS LAST` : sql`DESC NULLS LAST`;
  const [rows, count] = await Promise.all([
    sql<Record<string, MartValue>>`
      SELECT ${sql.join(spec.columns.map((column) => (spec.jsonColumns?.includes(column) ? sql`${sql.ref(column)}::text AS ${sql.ref(column)}` : sql.ref(column))))}
      FROM ${sql.table(spec.table)}
      WHERE ${where}
      ORDER BY ${sql.ref(sort)} ${direction}, ${sql.join(spec.tieBreaker.map((column) => sql`${sql.ref(column)} ASC`))}
      LIMIT ${limit} OFFSET ${offset}`.execute(db),
    sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(spec.table)} WHERE ${where}`.execute(db),
  ]);
  const total = count.rows[0]?.n ?? 0;
  return { mart: name, partition, sort, order, offset, total, rows: rows.rows, nextOffset: offset + limit < total ? offset + limit : null };
}
