/** `GET /market/latest`: every quote of each source's newest snapshot, by source then market-cap rank. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Runtime } from '../../runtime.js';
import { LATEST_SORTS, marketLatest } from '../read-models/market-quotes.js';
import { cacheFor } from '../http-caching.js';
import { timeDb } from '../server-timing.js';
import { CACHE_SECONDS } from './market-cache.js';
import { CoinIdText, CursorQuery, NextCursor, OrderQuery, QuoteSchema, SourceText, SymbolText, pageLimit } from './market-schemas.js';
import { ERRORS, list } from './schemas.js';

export function registerMarketLatestRoute(api: FastifyInstance, runtime: Runtime): void {
  const app = api.withTypeProvider<ZodTypeProvider>();
  const { db } = runtime.database;

  app.get(
    '/latest',
    {
      schema: {
        tags: ['market'],
        summary: 'The newest snapshot of each source: its quotes by source, then market-cap rank (unranked last), keyset-paged',
        querystring: z.object({
          source: SourceText.optional(),
          symbol: SymbolText.optional(),
          coin_id: CoinIdText.optional(),
          sort: z.enum(LATEST_SORTS).default('market_cap_rank'),
          order: OrderQuery.default('asc'),
          limit: pageLimit(runtime.config),
          cursor: CursorQuery.optional(),
        }),
        response: {
          200: z.object({
            snapshots: list(z.object({ source: z.string(), snapshot_at: z.date() })).describe('The snapshot of each source on this page'),
            quotes: list(QuoteSchema),
            next_cursor: NextCursor,
          }),
          ...ERRORS,
        },
      },
    },
    async (request, reply) => {
      const { source, symbol, coin_id: coinId, sort, order, limit, cursor } = request.query;
      const page = await timeDb(request, () =>
        marketLatest(db, {
          sort,
          order,
          limit,
          ...(source === undefined ? {} : { source }),
          ...(symbol === undefined ? {} : { symbol }),
          ...(coinId === undefined ? {} : { coinId }),
          ...(cursor === undefined ? {} : { cursor }),
        }),
      );
      cacheFor(reply, CACHE_SECONDS.latest);
      return { snapshots: [...page.snapshots], quotes: [...page.rows], next_cursor: page.nextCursor };
    },
  );
}
