/**
 * `GET /market/coins`, `/market/coins/{coinId}/history` and `/market/coins/{coinId}/daily`:
 * the coin dimension, a coin's quotes from every source over time, and its daily prices.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Runtime } from '../../runtime.js';
import { COIN_SORTS, marketCoins, requireCoin, type CoinSort } from '../read-models/market-coins.js';
import { DAILY_SORTS, coinDaily } from '../read-models/market-daily.js';
import { HISTORY_SORTS, coinHistory } from '../read-models/market-quotes.js';
import { cacheFor } from '../http-caching.js';
import { timeDb } from '../server-timing.js';
import { CACHE_SECONDS, closedDays, closedTimes } from './market-cache.js';
import {
  CoinIdText,
  CoinSchema,
  CursorQuery,
  DailyPriceSchema,
  DayQuery,
  NextCursor,
  OrderQuery,
  QuoteSchema,
  SourceText,
  SymbolText,
  pageLimit,
} from './market-schemas.js';
import { ERRORS, QueryTime, list } from './schemas.js';

const TAGS = ['market'];
const COIN_SORT_NAMES = Object.keys(COIN_SORTS) as [CoinSort, ...CoinSort[]];
const CoinParams = z.object({ coinId: CoinIdText });

export function registerMarketCoinRoutes(api: FastifyInstance, runtime: Runtime): void {
  const app = api.withTypeProvider<ZodTypeProvider>();
  const { db } = runtime.database;
  const limit = pageLimit(runtime.config);

  app.get(
    '/coins',
    {
      schema: {
        tags: TAGS,
        summary: 'Coins (one row per unified coin id; a symbol filter returns every coin with it), keyset-paged',
        querystring: z.object({
          symbol: SymbolText.optional(),
          coin_id: CoinIdText.optional(),
          source: SourceText.optional().describe('Coins this source has quoted'),
          sort: z.enum(COIN_SORT_NAMES).default('coin_id'),
          order: OrderQuery.default('asc'),
          limit,
          cursor: CursorQuery.optional(),
        }),
        response: { 200: z.object({ coins: list(CoinSchema), next_cursor: NextCursor }), ...ERRORS },
      },
    },
    async (request, reply) => {
      const { symbol, coin_id: coinId, source, sort, order, limit: pageSize, cursor } = request.query;
      const page = await timeDb(request, () =>
        marketCoins(db, {
          sort,
          order,
          limit: pageSize,
          ...(symbol === undefined ? {} : { symbol }),
          ...(coinId === undefined ? {} : { coinId }),
          ...(source === undefined ? {} : { source }),
          ...(cursor === undefined ? {} : { cursor }),
        }),
      );
      cacheFor(reply, CACHE_SECONDS.coins);
      return { coins: [...page.rows], next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/coins/:coinId/history',
    {
      schema: {
        tags: TAGS,
        summary: 'A coin’s quotes over time from every source, keyed (snapshot_at, source); from included, to excluded',
        params: CoinParams,
        querystring: z.object({
          source: SourceText.optional(),
          from: QueryTime.optional().describe('Snapshots at or after (ISO date-time or date)'),
          to: QueryTime.optional().describe('Snapshots before'),
          sort: z.enum(HISTORY_SORTS).default('snapshot_at'),
          order: OrderQuery.default('asc'),
          limit,
          cursor: CursorQuery.optional(),
        }),
        response: { 200: z.object({ coin_id: z.string(), quotes: list(QuoteSchema), next_cursor: NextCursor }), ...ERRORS },
      },
    },
    async (request, reply) => {
      const { coinId } = request.params;
      const { source, from, to, sort, order, limit: pageSize, cursor } = request.query;
      const page = await timeDb(request, async () => {
        await requireCoin(db, coinId, 'silver.market_quotes');
        return coinHistory(db, coinId, {
          sort,
          order,
          limit: pageSize,
          ...(source === undefined ? {} : { source }),
          ...(from === undefined ? {} : { from }),
          ...(to === undefined ? {} : { to }),
          ...(cursor === undefined ? {} : { cursor }),
        });
      });
      cacheFor(reply, closedTimes(to, runtime.clock.now()) ? CACHE_SECONDS.closed : CACHE_SECONDS.open);
      return { coin_id: coinId, quotes: [...page.rows], next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/coins/:coinId/daily',
    {
      schema: {
        tags: TAGS,
        summary: 'A coin’s daily price, market cap and volume (silver.price_history), keyed by day; from and to included',
        params: CoinParams,
        querystring: z.object({
          from: DayQuery.optional(),
          to: DayQuery.optional(),
          sort: z.enum(DAILY_SORTS).default('day'),
          order: OrderQuery.default('asc'),
          limit,
          cursor: CursorQuery.optional(),
        }),
        response: { 200: z.object({ coin_id: z.string(), days: list(DailyPriceSchema), next_cursor: NextCursor }), ...ERRORS },
      },
    },
    async (request, reply) => {
      const { coinId } = request.params;
      const { from, to, sort, order, limit: pageSize, cursor } = request.query;
      const page = await timeDb(request, async () => {
        await requireCoin(db, coinId, 'silver.price_history');
        return coinDaily(db, coinId, {
          sort,
          order,
          limit: pageSize,
          ...(from === undefined ? {} : { from }),
          ...(to === undefined ? {} : { to }),
          ...(cursor === undefined ? {} : { cursor }),
        });
      });
      cacheFor(reply, closedDays(to, runtime.clock.now()) ? CACHE_SECONDS.closed : CACHE_SECONDS.open);
      return { coin_id: coinId, days: [...page.rows], next_cursor: page.nextCursor };
    },
  );
}
