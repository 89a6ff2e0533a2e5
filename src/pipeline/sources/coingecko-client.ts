/**
 * The CoinGecko HTTP client: rate-limited, retrying, timing out, and lossless.
 *
 * Every response keeps the exact bytes received (bronze stores them as is) and a lossless parse
 * of them (numbers as source text). The API key goes in the plan's header, never in the URL, so
 * URLs can be logged and put in errors; the axios error, which holds the headers, is never kept.
 *
 * Retried with jittered exponential backoff, up to `config.maxRetries` times: 429 (waiting at
 * least `Retry-After`, and pausing the shared limiter so every caller waits), 5xx, timeouts,
 * connection resets, and malformed JSON (a body cut off mid-transfer is usually transient; a
 * server that keeps sending bad JSON exhausts the retries and fails with SOURCE_MALFORMED_JSON).
 * Other 4xx fail at once: asking again will not help.
 */
import axios, { type AxiosResponse } from 'axios';
import { COINGECKO_PLANS, type CoinGeckoConfig } from '../../config.js';
import { ValidationError } from '../../core/errors.js';
import { backoffDelay } from '../../core/retry.js';
import type { Clock, RetryPolicy } from '../../core/types.js';
import { parseMarketsPage } from './coingecko-schemas.js';
import { classifyTransportError, isRetryableStatus, parseRetryAfter } from './http-failures.js';
import { JsonSyntaxError, parseLosslessJson, type JsonObject, type JsonValue } from './lossless-json.js';
import { createRateLimiter, type RateLimiter } from './rate-limiter.js';
import { SourceHttpError, scrubSecret, type SourceFailure } from './source-errors.js';

/** The subset of a pino logger the client uses (a pino `Logger` fits). */
export interface SourceLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** One HTTP attempt, reported for metrics. `status` is null when no response arrived. */
export interface SourceRequestInfo {
  readonly endpoint: string;
  readonly status: number | null;
  readonly durationMs: number;
  readonly attempt: number;
  readonly outcome: 'ok' | 'retry' | 'fatal' | 'exhausted';
}

export interface CoinGeckoClientDeps {
  readonly clock: Clock;
  /** For backoff jitter; default Math.random. */
  readonly random?: () => number;
  readonly logger?: SourceLogger;
  readonly onRequest?: (info: SourceRequestInfo) => void;
  /** Each wait imposed by the rate limiter (including a pause after 429), in ms. */
  readonly onRateLimitWait?: (ms: number) => void;
  /** Share one limiter between clients that use one key; default: a new one at `config.rateLimitPerMinute`. */
  readonly limiter?: RateLimiter;
  /** Backoff between attempts; `maxRetries` always comes from the config. */
  readonly backoff?: Partial<Omit<RetryPolicy, 'maxRetries'>>;
}

/** A successful response: the exact bytes, where they came from, and their lossless parse. */
export interface SourceResponse<T> {
  /** The body byte for byte as received (after HTTP content decoding). */
  readonly body: Buffer;
  /** The request URL; it never holds the API key. */
  readonly url: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly fetchedAt: Date;
  readonly attempts: number;
  readonly data: T;
}

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
const DEFAULT_PRICE_CHANGE_WINDOWS = ['1h', '24h', '7d', '30d', '1y'] as const;
const DEFAULT_BACKOFF: Omit<RetryPolicy, 'maxRetries'> = { initialDelayMs: 1_000, maxDelayMs: 60_000, factor: 2, jitter: 0.5 };

/**
 * ```ts
 * const client = createCoinGeckoClient(config.coingecko, { clock: systemClock, logger });
 * for await (const page of client.marketsPages({ coins: 1000, signal })) await bronze.put(page.body);
 * ```
 */
export function createCoinGeckoClient(config: CoinGeckoConfig, deps: CoinGeckoClientDeps): CoinGeckoClient {
  const { clock, logger, onRequest } = deps;
  const random = deps.random ?? Math.random;
  const policy: RetryPolicy = { ...DEFAULT_BACKOFF, ...deps.backoff, maxRetries: config.maxRetries };
  const limiter =
    deps.limiter ??
    createRateLimiter({ limit: config.rateLimitPerMinute, clock, ...(deps.onRateLimitWait ? { onWait: deps.onRateLimitWait } : {}) });
  const baseUrl = config.baseUrl.replace(/\/+$/, '');
  const keyHeader = COINGECKO_PLANS[config.plan].keyHeader;
  const apiKey = keyHeader === null ? undefined : config.apiKey;
  if (keyHeader !== null && apiKey === undefined) {
    logger?.warn({ plan: config.plan }, `CoinGecko plan "${config.plan}" has no API key; requests will likely be refused`);
  }

  const http = axios.create({
    timeout: config.timeoutMs,
    // Bytes, untouched: bronze must store what the server sent, and JSON.parse would round numbers.
    responseType: 'arraybuffer',
    transformResponse: [(data: unknown) => data],
    // Every status is classified here, not thrown by axios (its errors carry the key header).
    validateStatus: () => true,
    maxRedirects: 0,
    transitional: { clarifyTimeoutError: true },
    headers: { accept: 'application/json', ...(keyHeader !== null && apiKey !== undefined ? { [keyHeader]: apiKey } : {}) },
  });

  async function get(endpoint: string, query: Readonly<Record<string, string>>, signal: AbortSignal | undefined): Promise<SourceResponse<JsonValue>> {
    const search = new URLSearchParams(query).toString();
    const url = `${baseUrl}${endpoint}${search ? `?${search}` : ''}`;
    const maxAttempts = policy.maxRetries + 1;
    for (let attempt = 1; ; attempt++) {
      await limiter.acquire(signal);
      const started = clock.now().getTime();
      let response: AxiosResponse<ArrayBuffer> | undefined;
      let failure: (SourceFailure & { retryable: boolean }) | undefined;
      // axios's `timeout` is a socket idle timeout; a server dribbling bytes needs a whole-request deadline too.
      const deadline = AbortSignal.timeout(config.timeoutMs);
      try {
        response = await http.get<ArrayBuffer>(url, { signal: signal ? AbortSignal.any([signal, deadline]) : deadline });
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        const transport = deadline.aborted
          ? { kind: 'timeout' as const, status: null, detail: `no complete response within ${config.timeoutMs}ms`, retryable: true }
          : classifyTransportError(error);
        if (transport === null) throw error;
        failure = transport;
      }
      const fetchedAt = clock.now();
      const durationMs = fetchedAt.getTime() - started;
      let body = Buffer.alloc(0);
      let retryAfterMs: number | null = null;

      if (response !== undefined) {
        body = Buffer.from(response.data);
        const status = response.status;
        if (status >= 200 && status < 300) {
          try {
            const data = parseLosslessJson(body.toString('utf8'));
            onRequest?.({ endpoint, status, durationMs, attempt, outcome: 'ok' });
            logger?.debug({ url, status, attempt, bytes: body.length, durationMs }, 'coingecko response');
            return { body, url, status, headers: plainHeaders(response.headers), fetchedAt, attempts: attempt, data };
          } catch (error) {
            if (!(error instanceof JsonSyntaxError)) throw error;
            failure = { kind: 'malformed_json', status, detail: `HTTP ${status} with malformed JSON (${error.message}, ${body.length} bytes)`, retryable: true };
          }
        } else {
          failure = { kind: 'http', status, detail: `HTTP ${status}`, retryable: isRetryableStatus(status) };
          if (status === 429) retryAfterMs = parseRetryAfter(headerValue(response.headers['retry-after']), fetchedAt);
        }
      }

      const last = failure as SourceFailure & { retryable: boolean };
      const willRetry = last.retryable && attempt < maxAttempts;
      onRequest?.({ endpoint, status: last.status, durationMs, attempt, outcome: willRetry ? 'retry' : last.retryable ? 'exhausted' : 'fatal' });
      if (!willRetry) {
        const text = last.kind === 'http' ? scrubSecret(body.toString('utf8'), apiKey) : undefined;
        const error = new SourceHttpError({ url, attempts: attempt, failure: last, retryable: last.retryable, ...(text ? { body: text } : {}) });
        logger?.warn({ url, status: last.status, attempt, code: error.code }, error.message);
        throw error;
      }

      const delayMs = Math.max(backoffDelay(policy, attempt, random), retryAfterMs ?? 0);
      logger?.warn({ url, status: last.status, attempt, delayMs, detail: last.detail }, 'coingecko request failed; retrying');
      if (last.status === 429) {
        // The budget is shared: hold every caller of this limiter, and this one waits in acquire().
        limiter.pauseUntil(new Date(fetchedAt.getTime() + delayMs));
      } else {
        await clock.sleep(delayMs, signal);
      }
    }
  }

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

function headerValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

function plainHeaders(headers: AxiosResponse['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') out[name.toLowerCase()] = value;
    else if (typeof value === 'number') out[name.toLowerCase()] = String(value);
    else if (Array.isArray(value)) out[name.toLowerCase()] = value.join(', ');
  }
  return out;
}
