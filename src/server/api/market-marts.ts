/** `GET /market/marts/{mart}`: a gold mart's rows across partitions, filtered by its own columns, keyset-paged on its primary key. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Runtime } from '../../runtime.js';
import { MARKET_MARTS, MARKET_MART_NAMES, marketMartRows, requireMarketMart } from '../read-models/market-marts.js';
import { cacheFor } from '../http-caching.js';
import { timeDb } from '../server-timing.js';
import { CACHE_SECONDS, closedDays, closedTimes } from './market-cache.js';
import { CoinIdText, CursorQuery, MartValueSchema, NextCursor, OrderQuery, SourceText, SymbolText, pageLimit } from './market-schemas.js';
import { ERRORS, QueryTime, list } from './schemas.js';

const FILTERS = Object.entries(MARKET_MARTS)
  .map(([name, spec]) => `${name}: ${['from', 'to', ...spec.filters].join(', ')}`)
  .join('; ');

export function registerMarketMartRoute(api: FastifyInstance, runtime: Runtime): void {
  const app = api.withTypeProvider<ZodTypeProvider>();
  const { db } = runtime.database;

  app.get(
    '/marts/:mart',
    {
      schema: {
        tags: ['market'],
        summary: 'A gold mart’s rows across partitions, filtered by its columns and keyset-paged on its primary key',
        description: `Filters per mart (${FILTERS}). Snapshot marts: from included, to excluded; daily marts: both days included. sort is the mart's time column (snapshot_at or day).`,
        params: z.object({ mart: z.string().min(1).max(100).describe(MARKET_MART_NAMES.join(', ')) }),
        querystring: z.object({
          from: QueryTime.optional(),
          to: QueryTime.optional(),
          coin_id: CoinIdText.optional(),
          symbol: SymbolText.optional(),
          source: SourceText.optional(),
          sort: z.string().min(1).max(100).optional().describe('snapshot_at or day, whichever the mart has (the default)'),
          order: OrderQuery.default('asc'),
          limit: pageLimit(runtime.config),
          cursor: CursorQuery.optional(),
        }),
        response: { 200: z.object({ mart: z.string(), rows: list(z.record(z.string(), MartValueSchema)), next_cursor: NextCursor }), ...ERRORS },
      },
    },
    async (request, reply) => {
      const { mart } = request.params;
      const spec = requireMarketMart(mart);
      const { from, to, coin_id: coinId, symbol, source, sort, order, limit, cursor } = request.query;
      const page = await timeDb(request, () =>
        marketMartRows(db, mart, {
          sort: sort ?? spec.timeColumn,
          order,
          limit,
          ...(from === undefined ? {} : { from }),
          ...(to === undefined ? {} : { to }),
          ...(coinId === undefined ? {} : { coinId }),
          ...(symbol === undefined ? {} : { symbol }),
          ...(source === undefined ? {} : { source }),
          ...(cursor === undefined ? {} : { cursor }),
        }),
      );
      const now = runtime.clock.now();
      const closed = spec.timeColumn === 'day' ? closedDays(to?.toISOString().slice(0, 10), now) : closedTimes(to, now);
      cacheFor(reply, closed ? CACHE_SECONDS.closed : CACHE_SECONDS.open);
      return { mart, rows: [...page.rows], next_cursor: page.nextCursor };
    },
  );
}
