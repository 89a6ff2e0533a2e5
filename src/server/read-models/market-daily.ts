/**
 * One coin's daily prices for the market-data API (`/api/v1/market/coins/{id}/daily`), read
 * from silver.price_history (migration 0008: one row per coin and UTC day, from CoinGecko's
 * market_chart history), keyed by day on the table's primary key (coin_id, day).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../storage/index.js';
import { afterKey, decodeCursor, keyPart, keySelection, orderByKey, toPage, type Page, type SortOrder } from './market-keyset.js';

export interface DailyPrice {
  readonly coin_id: string;
  /** YYYY-MM-DD, UTC. */
  readonly day: string;
  readonly price_usd: string | null;
  readonly market_cap_usd: string | null;
  readonly total_volume_usd: string | null;
  /** Chart points the day was built from. */
  readonly points: number;
  readonly last_point_at: Date;
}

const DAY_KEY = [keyPart('p.day', 'date')];
export const DAILY_SORTS = ['day'] as const;
export type DailySort = (typeof DAILY_SORTS)[number];

export interface DailyRequest {
  /** YYYY-MM-DD, included. */
  readonly from?: string;
  /** YYYY-MM-DD, included. */
  readonly to?: string;
  readonly sort: DailySort;
  readonly order: SortOrder;
  readonly limit: number;
  readonly cursor?: string;
}

/** The caller checks the coin exists (requireCoin). */
export async function coinDaily(db: Kysely<Database>, coinId: string, request: DailyRequest): Promise<Page<DailyPrice>> {
  const conditions = [sql`p.coin_id = ${coinId}`];
  if (request.from !== undefined) conditions.push(sql`p.day >= ${request.from}::date`);
  if (request.to !== undefined) conditions.push(sql`p.day <= ${request.to}::date`);
  if (request.cursor !== undefined) conditions.push(afterKey(DAY_KEY, request.order, decodeCursor(request.cursor, request.sort, request.order, DAY_KEY)));
  const { rows } = await sql<Record<string, unknown>>`
    SELECT p.coin_id, to_char(p.day, 'YYYY-MM-DD') AS day, p.price_usd, p.market_cap_usd, p.total_volume_usd, p.points, p.last_point_at,
      ${keySelection(DAY_KEY)}
    FROM silver.price_history p
    WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY ${orderByKey(DAY_KEY, request.order)}
    LIMIT ${request.limit + 1}`.execute(db);
  return toPage<DailyPrice>(rows, request.limit, request.sort, request.order, DAY_KEY);
}
