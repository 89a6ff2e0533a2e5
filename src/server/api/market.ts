/**
 * The market-data API, mounted at `/api/v1/market`: coins, the latest snapshot of each source,
 * a coin's history and daily prices, and the gold marts, for clients' own tools. Every
 * response of the group, errors and 304s included, carries `X-Request-Id` (app-wide) and
 * `Server-Timing`; successful GETs an ETag and `Cache-Control`. Reads need no auth.
 */
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../runtime.js';
import { registerConditionalGet } from '../http-caching.js';
import { registerServerTiming } from '../server-timing.js';
import { registerMarketCoinRoutes } from './market-coins.js';
import { registerMarketLatestRoute } from './market-latest.js';
import { registerMarketMartRoute } from './market-marts.js';

export function registerMarketApi(market: FastifyInstance, runtime: Runtime): void {
  registerServerTiming(market);
  registerConditionalGet(market);
  // Its own 404, so an unknown market path gets this group's headers too.
  market.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );
  registerMarketCoinRoutes(market, runtime);
  registerMarketLatestRoute(market, runtime);
  registerMarketMartRoute(market, runtime);
}
