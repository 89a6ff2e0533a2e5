/**
 * The coin dimension of the market-data API (`/api/v1/market/coins`): silver.coins, one row per
 * unified coin id. Symbols are not unique (five coins are `weth`), so a symbol filter returns
 * every coin that has it and nothing is ever merged by symbol; the key always ends in coin_id.
 *
 * `requireCoin` is the 404 of the per-coin endpoints: a coin is known when silver.coins or the
 * endpoint's own table holds it (quotes of a CSV-imported coin that CoinGecko never listed).
 */
import { sql, type Kysely } from 'kysely';
import { StrataError } from '../../core/errors.js';
import type { Database } from '../../storage/index.js';
import { afterKey, decodeCursor, keyPart, keySelection, orderByKey, toPage, type KeyPart, type Page, type SortOrder } from './market-keyset.js';

export class CoinNotFoundError extends StrataError {
  constructor(coinId: string) {
    super('COIN_NOT_FOUND', `no coin '${coinId.slice(0, 200)}': not in silver.coins and no market data for it (ids are CoinGecko's, e.g. 'bitcoin')`);
  }
}

/** Sort name → key (backed by the coins primary key and coins_symbol_idx). */
export const COIN_SORTS = {
  coin_id: [keyPart('c.coin_id', 'text')],
  symbol: [keyPart('c.symbol', 'text'), keyPart('c.coin_id', 'text')],
} as const satisfies Record<string, readonly KeyPart[]>;

export type CoinSort = keyof typeof COIN_SORTS;

export interface MarketCoin {
  readonly coin_id: string;
  readonly symbol: string;
  readonly name: string;
  readonly image: string | null;
  readonly first_seen_at: Date;
}

export interface CoinsRequest {
  /** Any case; stored symbols are lower case. */
  readonly symbol?: string;
  readonly coinId?: string;
  /** Coins this source has quoted at least once. */
  readonly source?: string;
  readonly sort: CoinSort;
  readonly order: SortOrder;
  readonly limit: number;
  readonly cursor?: string;
}

export async function marketCoins(db: Kysely<Database>, request: CoinsRequest): Promise<Page<MarketCoin>> {
  const key = COIN_SORTS[request.sort];
  const conditions = [sql`true`];
  if (request.symbol !== undefined) conditions.push(sql`c.symbol = ${request.symbol.toLowerCase()}`);
  if (request.coinId !== undefined) conditions.push(sql`c.coin_id = ${request.coinId}`);
  if (request.source !== undefined) {
    conditions.push(sql`EXISTS (SELECT 1 FROM silver.market_quotes q WHERE q.coin_id = c.coin_id AND q.source = ${request.source})`);
  }
  if (request.cursor !== undefined) conditions.push(afterKey(key, request.order, decodeCursor(request.cursor, request.sort, request.order, key)));
  const { rows } = await sql<Record<string, unknown>>`
    SELECT c.coin_id, c.symbol, c.name, c.image, c.first_seen_at, ${keySelection(key)}
    FROM silver.coins c
    WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY ${orderByKey(key, request.order)}
    LIMIT ${request.limit + 1}`.execute(db);
  return toPage<MarketCoin>(rows, request.limit, request.sort, request.order, key);
}

/** Where a per-coin endpoint finds a coin besides silver.coins. Constants, never user input. */
export type CoinTable = 'silver.market_quotes' | 'silver.price_history';

/** Throws CoinNotFoundError unless silver.coins or `table` holds the coin (index probes). */
export async function requireCoin(db: Kysely<Database>, coinId: string, table: CoinTable): Promise<void> {
  const { rows } = await sql<{ known: boolean }>`
    SELECT EXISTS (SELECT 1 FROM silver.coins WHERE coin_id = ${coinId})
        OR EXISTS (SELECT 1 FROM ${sql.table(table)} WHERE coin_id = ${coinId}) AS known`.execute(db);
  if (rows[0]?.known !== true) throw new CoinNotFoundError(coinId);
}
