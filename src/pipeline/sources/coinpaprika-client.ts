/**
 * The CoinPaprika client: `/v1/tickers` (every coin in one response) over the shared HTTP core
 * (http-source.ts), with its own rate limiter at `rateLimitPerMinute`. A key (paid plans) goes
 * in the `Authorization` header, as CoinPaprika's Pro API expects, never in the URL.
 *
 * CoinPaprika's errors are JSON bodies such as `{"error":"Too many requests"}` (429) or a plan
 * limit (402); the body, scrubbed of the key, ends up in the SourceHttpError's message.
 */
import type { CoinPaprikaConfig } from '../../config.js';
import { ValidationError } from '../../index.js';
import { parseTickers } from './coinpaprika-schemas.js';
import { createHttpSource, type HttpSourceDeps, type SourceResponse } from './http-source.js';
import type { JsonObject } from './lossless-json.js';
import type { RateLimiter } from '../../index.js';

export interface TickersRequest {
  /** The `quotes` query parameter (currencies, comma-separated); default `USD`. */
  readonly quotes?: string;
  readonly signal?: AbortSignal;
}

export interface CoinPaprikaClient {
  readonly limiter: RateLimiter;
  /** `GET /tickers`: `data` is checked to be an array of objects (tickers unvalidated). */
  getTickers(request?: TickersRequest): Promise<SourceResponse<readonly JsonObject[]>>;
}

/** How to run without CoinPaprika: its local stand-in, as the README's CoinPaprika section shows. */
export const COINPAPRIKA_OFFLINE_HINT =
  'CoinPaprika cannot be reached; to run offline, start the local fake in another terminal (npm run strata -- fake-coinpaprika --port 8788) and set COINPAPRIKA_BASE_URL=http://127.0.0.1:8788/v1';

/**
 * ```ts
 * const client = createCoinPaprikaClient(config.coinpaprika, { clock: systemClock, logger });
 * const tickers = await client.getTickers({ signal });
 * ```
 */
export function createCoinPaprikaClient(config: CoinPaprikaConfig, deps: HttpSourceDeps): CoinPaprikaClient {
  const { limiter, get } = createHttpSource(
    {
      name: 'coinpaprika',
      baseUrl: config.baseUrl,
      headers: config.apiKey === undefined ? {} : { authorization: config.apiKey },
      secret: config.apiKey,
      rateLimitPerMinute: config.rateLimitPerMinute,
      rateLimitWindowMs: config.rateLimitWindowMs,
      timeoutMs: config.timeoutMs,
      maxRetries: config.maxRetries,
      offlineHint: COINPAPRIKA_OFFLINE_HINT,
    },
    deps,
  );

  return {
    limiter,
    async getTickers(request = {}) {
      const response = await get('/tickers', { quotes: request.quotes ?? 'USD' }, request.signal);
      const tickers = parseTickers(response.data);
      if (!tickers.ok) throw new ValidationError(`GET ${response.url}: response is not a list of tickers: ${tickers.reason}`);
      return { ...response, data: tickers.rows };
    },
  };
}
