/**
 * Gold marts for the market-data API (`/api/v1/market/marts/{mart}`): rows across partitions,
 * filtered by the mart's own columns (its time column, coin_id, symbol, source where it has
 * them) and keyset-paged on the table's primary key, so a client can download a mart's whole
 * history page by page. (`/api/v1/marts/{name}/rows` stays the one-partition, sorted view the UI uses.)
 *
 * Time ranges: `from` included; `to` excluded on snapshot times, included on days. Numeric
 * columns are exact strings; `prices` of source_reconciliation is `{source: price}` as strings.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { StrataError, ValidationError } from '../../core/errors.js';
import type { Database } from '../../storage/index.js';
import { requireMart } from './marts.js';
import { afterKey, decodeCursor, keyPart, keySelection, orderByKey, toPage, type KeyPart, type Page, type SortOrder } from './market-keyset.js';

export interface MarketMartSpec {
  /** Schema-qualified; a constant, never user input. */
  readonly table: string;
  /** The primary key, in index order. */
  readonly key: readonly KeyPart[];
  readonly timeColumn: 'snapshot_at' | 'day';
  readonly columns: readonly string[];
  readonly filters: readonly ('coin_id' | 'symbol' | 'source')[];
}

const SNAPSHOT = keyPart('snapshot_at', 'timestamptz');
const DAY = keyPart('day', 'date');
const COIN = keyPart('coin_id', 'text');

export const MARKET_MARTS: Readonly<Record<string, MarketMartSpec>> = Object.freeze({
  crypto_analytics_mart: {
    table: 'gold.crypto_analytics_mart',
    key: [SNAPSHOT, COIN],
    timeColumn: 'snapshot_at',
    columns: requireMart('crypto_analytics_mart').columns,
    filters: ['coin_id', 'symbol'],
  },
  market_segment_analysis: {
    table: 'gold.market_segment_analysis',
    key: [SNAPSHOT, keyPart('market_cap_category', 'text')],
    timeColumn: 'snapshot_at',
    columns: requireMart('market_segment_analysis').columns,
    filters: [],
  },
  daily_coin_summary: {
    table: 'gold.daily_coin_summary',
    key: [DAY, COIN],
    timeColumn: 'day',
    columns: requireMart('daily_coin_summary').columns,
    filters: ['coin_id', 'symbol'],
  },
  source_reconciliation: {
    table: 'gold.source_reconciliation',
    key: [SNAPSHOT, COIN],
    timeColumn: 'snapshot_at',
    columns: ['snapshot_at', 'coin_id', 'symbol', 'name', 'source_count', 'prices', 'min_price', 'max_price', 'spread_pct', 'threshold_pct', 'flagged'],
    filters: ['coin_id', 'symbol'],
  },
  market_daily: {
    table: 'gold.market_daily',
    key: [DAY, keyPart('source', 'text'), COIN],
    timeColumn: 'day',
    columns: [
      'day', 'source', 'coin_id', 'symbol', 'name', 'open_price', 'high_price', 'low_price', 'close_price', 'avg_volume_usd',
      'market_cap_close', 'snapshot_count', 'first_snapshot_at', 'last_snapshot_at',
    ],
    filters: ['coin_id', 'symbol', 'source'],
  },
} satisfies Record<string, MarketMartSpec>);

export const MARKET_MART_NAMES = Object.keys(MARKET_MARTS);

export class MarketMartNotFoundError extends StrataError {
  constructor(name: string) {
    super('MART_NOT_FOUND', `no mart '${name.slice(0, 100)}'; marts: ${MARKET_MART_NAMES.join(', ')}`);
  }
}

export type MartValue = string | number | boolean | null | Date | Readonly<Record<string, string>>;
export type MarketMartRow = Readonly<Record<string, MartValue>>;

export interface MarketMartRequest {
  readonly from?: Date;
  readonly to?: Date;
  readonly coinId?: string;
  readonly symbol?: string;
  readonly source?: string;
  /** The time column: the key's first part. */
  readonly sort: string;
  readonly order: SortOrder;
  readonly limit: number;
  readonly cursor?: string;
}

export function requireMarketMart(name: string): MarketMartSpec {
  if (!Object.hasOwn(MARKET_MARTS, name)) throw new MarketMartNotFoundError(name);
  return MARKET_MARTS[name] as MarketMartSpec;
}

export async function marketMartRows(db: Kysely<Database>, name: string, request: MarketMartRequest): Promise<Page<MarketMartRow>> {
  const spec = requireMarketMart(name);
  if (request.sort !== spec.timeColumn) {
    throw new ValidationError(`querystring.sort: '${request.sort.slice(0, 100)}' is not a sort of ${name}; allowed: ${spec.timeColumn}`);
  }
  const conditions: RawBuilder<unknown>[] = [sql`true`, ...timeRange(spec, request)];
  const equalities = { coin_id: request.coinId, symbol: request.symbol?.toLowerCase(), source: request.source };
  for (const [column, value] of Object.entries(equalities)) {
    if (value === undefined) continue;
    // A filter the mart lacks is named, not silently ignored (that would answer unfiltered rows).
    if (!spec.filters.includes(column as MarketMartSpec['filters'][number])) {
      throw new ValidationError(`querystring.${column}: ${name} has no ${column} column; its filters: ${['from', 'to', ...spec.filters].join(', ')}`);
    }
    conditions.push(sql`${sql.ref(column)} = ${value}`);
  }
  if (request.cursor !== undefined) conditions.push(afterKey(spec.key, request.order, decodeCursor(request.cursor, request.sort, request.order, spec.key)));
  const { rows } = await sql<Record<string, unknown>>`
    SELECT ${sql.join(spec.columns.map(columnSelection))}, ${keySelection(spec.key)}
    FROM ${sql.table(spec.table)}
    WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY ${orderByKey(spec.key, request.order)}
    LIMIT ${request.limit + 1}`.execute(db);
  return toPage<MarketMartRow>(rows, request.limit, request.sort, request.order, spec.key);
}

function columnSelection(column: string): RawBuilder<unknown> {
  // jsonb numbers would be parsed to JS numbers and lose digits; their text stays exact.
  if (column === 'prices') return sql`(SELECT coalesce(jsonb_object_agg(key, value), '{}'::jsonb) FROM jsonb_each_text(prices)) AS prices`;
  return sql.ref(column);
}

function timeRange(spec: MarketMartSpec, request: MarketMartRequest): RawBuilder<unknown>[] {
  const column = sql.ref(spec.timeColumn);
  if (spec.timeColumn === 'day') {
    return [
      ...(request.from === undefined ? [] : [sql`${column} >= ${utcDay(request.from)}::date`]),
      ...(request.to === undefined ? [] : [sql`${column} <= ${utcDay(request.to)}::date`]),
    ];
  }
  return [
    ...(request.from === undefined ? [] : [sql`${column} >= ${request.from}`]),
    ...(request.to === undefined ? [] : [sql`${column} < ${request.to}`]),
  ];
}

function utcDay(time: Date): string {
  return time.toISOString().slice(0, 10);
}
