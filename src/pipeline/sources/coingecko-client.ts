/**
 * The CoinGecko client: `/coins/markets` pages and `/global` over the shared HTTP core
 * (http-source.ts: rate limit, retries with Retry-After, timeouts, lossless bytes). The API key
 * goes in the plan's header, never in the URL.
 */
import { COINGECKO_PLANS, type CoinGeckoConfig } from '../../config.js';
import { ValidationError } from '../../index.js';
import { parseMarketsPage } from './coingecko-schemas.js';
import { createHttpSource, type HttpSourceDeps, type SourceResponse } from './http-source.js';
import type { JsonObject, JsonValue } from './lossless-json.js';
import type { RateLimiter } from '../../index.js';

export type { SourceRequestInfo, SourceResponse } from './http-source.js';

export type CoinGeckoClientDeps = HttpSourceDeps;

export interface MarketsPageRequest {
  /** 1-based. */
  readonly page: number;
  /** 1…250; default 250. */
  readonly perPage?: number;
  readonly vsCurrency?: string;
  /** Windows for `price_change_percentage_*_in_currency`; default 1h, 24h, 7d, 30d, 1y. */
  readonly priceChangePercentage?: readonly string[];
  readonly signal?: AbortSignal;
}

export interface MarketsRequest {
  /** How many coins to fetch; pages of 250 until this many rows, or a short or empty page. */
  readonly coins: number;
  readonly vsCurrency?: string;
  readonly priceChangePercentage?: readonly string[];
  readonly signal?: AbortSignal;
}

export interface CoinGeckoClient {
  readonly limiter: RateLimiter;
  /** One page of `/coins/markets`; `data` is checked to be an array of objects (rows unvalidated). */
  getMarketsPage(request: MarketsPageRequest): Promise<SourceResponse<readonly JsonObject[]>>;
  getGlobal(request?: { readonly signal?: AbortSignal }): Promise<SourceResponse<JsonValue>>;
  /**
   * Pages of `/coins/markets` in order, for streaming to storage. The last page is kept whole,
   * so the rows may exceed `coins` by up to a page less one: bronze keeps pages as received.
   */
  marketsPages(request: MarketsRequest): AsyncGenerator<SourceResponse<readonly JsonObject[]>>;
  fetchAllMarkets(request: MarketsRequest): Promise<Array<SourceResponse<readonly JsonObject[]>>>;
  /**
   * Any GET endpoint (`/coins/bitcoin/market_chart/range`), with the same key, rate limit,
   * retries and lossless parse; `data` is unvalidated JSON for the caller's schema.
   */
  getJson(endpoint: string, query: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<SourceResponse<JsonValue>>;
}

export const MAX_PER_PAGE = 250;

/** The README's "Without network access" steps, for a first start with no route to CoinGecko. */
export const COINGECKO_OFFLINE_HINT =
  'CoinGecko cannot be reached; to run offline, start the local fake in another terminal (npm run strata -- fake-coingecko --port 8787) and set COINGECKO_BASE_URL=http://127.0.0.1:8787/api/v3 (README: "Without network access")';
const DEFAULT_PRICE_CHANGE_WINDOWS = ['1h', '24h', '7d', '30d', '1y'] as const;

/**
 * ```ts
 * const client = createCoinGeckoClient(config.coingecko, { clock: systemClock, logger });
 * for await (const page of client.marketsPages({ coins: 1000, signal })) await bronze.put(page.body);
 * ```
 */
export function createCoinGeckoClient(config: CoinGeckoConfig, deps: CoinGeckoClientDeps): CoinGeckoClient {
  const keyHeader = COINGECKO_PLANS[config.plan].keyHeader;
  const apiKey = keyHeader === null ? undefined : config.apiKey;
  if (keyHeader !== null && apiKey === undefined) {
    deps.logger?.warn({ plan: config.plan }, `CoinGecko plan "${config.plan}" has no API key; requests will likely be refused`);
  }
  const { limiter, get } = createHttpSource(
    {
      name: 'coingecko',
      baseUrl: config.baseUrl,
      headers: keyHeader !== null && apiKey !== undefined ? { [keyHeader]: apiKey } : {},
      secret: apiKey,
      rateLimitPerMinute: config.rateLimitPerMinute,
      rateLimitWindowMs: config.rateLimitWindowMs,
      timeoutMs: config.timeoutMs,
      maxRetries: config.maxRetries,
      offlineHint: COINGECKO_OFFLINE_HINT,
    },
    deps,
  );

  async function getMarketsPage(request: MarketsPageRequest): Promise<SourceResponse<readonly JsonObject[]>> {
    const perPage = request.perPage ?? MAX_PER_PAGE;
    if (!Number.isInteger(request.page) || request.page < 1) throw new RangeError(`page must be an integer >= 1, got ${request.page}`);
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE) {
      throw new RangeError(`perPage must be an integer in 1…${MAX_PER_PAGE}, got ${perPage}`);
    }
    const response = await get(
      '/coins/markets',
      {
        vs_currency: request.vsCurrency ?? 'usd',
        order: 'market_cap_desc',
        per_page: String(perPage),
        page: String(request.page),
        // Full precision: silver keeps exact decimals, so take every digit the API has.
        precision: 'full',
        price_change_percentage: (request.priceChangePercentage ?? DEFAULT_PRICE_CHANGE_WINDOWS).join(','),
      },
      request.signal,
    );
    const page = parseMarketsPage(response.data);
    if (!page.ok) throw new ValidationError(`GET ${response.url}: response is not a page of market rows: ${page.reason}`);
    return { ...response, data: page.rows };
  }

  async function* marketsPages(request: MarketsRequest): AsyncGenerator<SourceResponse<readonly JsonObject[]>> {
    if (!Number.isInteger(request.coins) || request.coins < 1) throw new RangeError(`coins must be an integer >= 1, got ${request.coins}`);
    // One page when it suffices; otherwise the maximum, since per_page must stay fixed across pages.
    const perPage = Math.min(request.coins, MAX_PER_PAGE);
    let rows = 0;
    for (let page = 1; rows < request.coins; page++) {
      const response = await getMarketsPage({
        page,
        perPage,
        ...(request.vsCurrency ? { vsCurrency: request.vsCurrency } : {}),
        ...(request.priceChangePercentage ? { priceChangePercentage: request.priceChangePercentage } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      });
      rows += response.data.length;
      yield response;
      if (response.data.length < perPage) return;
    }
  }

  async function fetchAllMarkets(request: MarketsRequest): Promise<Array<SourceResponse<readonly JsonObject[]>>> {
    const pages: Array<SourceResponse<readonly JsonObject[]>> = [];
    for await (const page of marketsPages(request)) pages.push(page);
    return pages;
  }

  return {
    limiter,
    getMarketsPage,
    getGlobal: (request = {}) => get('/global', {}, request.signal),
    marketsPages,
    fetchAllMarkets,
    getJson: get,
  };
}
