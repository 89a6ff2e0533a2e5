/**
 * The HTTP core every market-data source shares: rate-limited, retrying, timing out, and lossless.
 * A source client (CoinGecko, CoinPaprika) gives it a base URL and its auth headers and adds
 * only its endpoints and response checks.
 *
 * Every response keeps the exact bytes received (bronze stores them as is) and a lossless parse
 * of them (numbers as source text). Keys travel in headers, never in the URL, so URLs can be
 * logged and put in errors; the axios error, which holds the headers, is never kept, and any
 * response text put in an error is scrubbed of the key.
 *
 * Retried with jittered exponential backoff, up to `maxRetries` times: 429 (waiting at least
 * `Retry-After`, and pausing the shared limiter so every caller waits), 5xx, timeouts,
 * connection resets, and malformed JSON (a body cut off mid-transfer is usually transient; a
 * server that keeps sending bad JSON exhausts the retries and fails with SOURCE_MALFORMED_JSON).
 * Other 4xx fail at once: asking again will not help.
 */
import axios, { type AxiosResponse } from 'axios';
import { backoffDelay } from '../../index.js';
import type { Clock, RetryPolicy } from '../../index.js';
import { classifyTransportError, isRetryableStatus, parseRetryAfter } from './http-failures.js';
import { JsonSyntaxError, parseLosslessJson, type JsonValue } from './lossless-json.js';
import { createRateLimiter, type RateLimiter } from '../../index.js';
import { SourceHttpError, scrubSecret, type SourceFailure } from './source-errors.js';

/** The subset of a pino logger a source uses (a pino `Logger` fits). */
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

/** What a source client takes besides its config: the clock, observers, and shared parts. */
export interface HttpSourceDeps {
  readonly clock: Clock;
  /** For backoff jitter; default Math.random. */
  readonly random?: () => number;
  readonly logger?: SourceLogger;
  readonly onRequest?: (info: SourceRequestInfo) => void;
  /** Each wait imposed by the rate limiter (including a pause after 429), in ms. */
  readonly onRateLimitWait?: (ms: number) => void;
  /**
   * Share one limiter between clients that use one key, or between processes (the runtime passes
   * a database-backed one); default: a new in-process one at the config's rate.
   */
  readonly limiter?: RateLimiter;
  /** Backoff between attempts; `maxRetries` always comes from the config. */
  readonly backoff?: Partial<Omit<RetryPolicy, 'maxRetries'>>;
}

export interface HttpSourceOptions {
  /** Short lower-case name for log messages (`coingecko`, `coinpaprika`). */
  readonly name: string;
  /** Without a trailing slash; endpoints are appended (`/coins/markets`). */
  readonly baseUrl: string;
  /** Sent with every request, e.g. the API key header. */
  readonly headers: Readonly<Record<string, string>>;
  /** Scrubbed from any response text copied into an error (the key, if the server echoes it). */
  readonly secret: string | undefined;
  readonly rateLimitPerMinute: number;
  /** The rolling window the limit counts in; default a minute. */
  readonly rateLimitWindowMs?: number;
  /** Per attempt, for the whole response. */
  readonly timeoutMs: number;
  readonly maxRetries: number;
  /** Told to the user when the host cannot be reached at all (DNS failure, refused): how to run without it. */
  readonly offlineHint?: string;
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

export interface HttpSource {
  readonly limiter: RateLimiter;
  /** GET `baseUrl + endpoint` with the query; `data` is unvalidated JSON for the caller's schema. */
  get(endpoint: string, query: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<SourceResponse<JsonValue>>;
}

const DEFAULT_BACKOFF: Omit<RetryPolicy, 'maxRetries'> = { initialDelayMs: 1_000, maxDelayMs: 60_000, factor: 2, jitter: 0.5 };

/**
 * ```ts
 * const source = createHttpSource(
 *   { name: 'coinpaprika', baseUrl, headers: { authorization: key }, secret: key, rateLimitPerMinute: 60, timeoutMs: 30_000, maxRetries: 5 },
 *   { clock: systemClock, logger },
 * );
 * const tickers = await source.get('/tickers', { quotes: 'USD' });
 * ```
 */
export function createHttpSource(options: HttpSourceOptions, deps: HttpSourceDeps): HttpSource {
  const { name, secret, timeoutMs } = options;
  const { clock, logger, onRequest } = deps;
  const random = deps.random ?? Math.random;
  const policy: RetryPolicy = { ...DEFAULT_BACKOFF, ...deps.backoff, maxRetries: options.maxRetries };
  const limiter =
    deps.limiter ??
    createRateLimiter({
      limit: options.rateLimitPerMinute,
      clock,
      ...(options.rateLimitWindowMs === undefined ? {} : { windowMs: options.rateLimitWindowMs }),
      ...(deps.onRateLimitWait ? { onWait: deps.onRateLimitWait } : {}),
    });
  const baseUrl = options.baseUrl.replace(/\/+$/, '');

  const http = axios.create({
    timeout: timeoutMs,
    // Bytes, untouched: bronze must store what the server sent, and JSON.parse would round numbers.
    responseType: 'arraybuffer',
    transformResponse: [(data: unknown) => data],
    // Every status is classified here, not thrown by axios (its errors carry the key header).
    validateStatus: () => true,
    maxRedirects: 0,
    transitional: { clarifyTimeoutError: true },
    headers: { accept: 'application/json', ...options.headers },
  });

  async function get(endpoint: string, query: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<SourceResponse<JsonValue>> {
    const search = new URLSearchParams(query).toString();
    const url = `${baseUrl}${endpoint}${search ? `?${search}` : ''}`;
    const maxAttempts = policy.maxRetries + 1;
    for (let attempt = 1; ; attempt++) {
      const limiterStart = await limiter.acquire(signal);
      const started = clock.now().getTime();
      let response: AxiosResponse<ArrayBuffer> | undefined;
      let failure: (SourceFailure & { retryable: boolean }) | undefined;
      // axios's `timeout` is a socket idle timeout; a server dribbling bytes needs a whole-request deadline too.
      const deadline = AbortSignal.timeout(timeoutMs);
      try {
        response = await http.get<ArrayBuffer>(url, { signal: signal ? AbortSignal.any([signal, deadline]) : deadline });
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        const transport = deadline.aborted
          ? { kind: 'timeout' as const, status: null, detail: `no complete response within ${timeoutMs}ms`, retryable: true }
          : classifyTransportError(error);
        if (transport === null) throw error;
        failure = transport;
      } finally {
        await limiter.ended(limiterStart);
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
            logger?.debug({ url, status, attempt, bytes: body.length, durationMs }, `${name} response`);
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
        const text = last.kind === 'http' ? scrubSecret(body.toString('utf8'), secret) : undefined;
        const error = new SourceHttpError({
          url,
          attempts: attempt,
          failure: last,
          retryable: last.retryable,
          ...(text ? { body: text } : {}),
          ...(options.offlineHint === undefined ? {} : { hint: options.offlineHint }),
        });
        logger?.warn({ url, status: last.status, attempt, code: error.code }, error.message);
        throw error;
      }

      const delayMs = Math.max(backoffDelay(policy, attempt, random), retryAfterMs ?? 0);
      logger?.warn({ url, status: last.status, attempt, delayMs, detail: last.detail }, `${name} request failed; retrying`);
      if (last.status === 429) {
        // The budget is shared: hold every caller of this limiter, and this one waits in acquire().
        await limiter.pauseUntil(new Date(fetchedAt.getTime() + delayMs));
      } else {
        await clock.sleep(delayMs, signal);
      }
    }
  }

  return { limiter, get };
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
