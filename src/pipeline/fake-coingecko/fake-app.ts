/**
 * A local stand-in for the CoinGecko API, built from real recorded responses, for tests and for
 * running the pipeline offline (`strata fake-coingecko`). It serves recorded bytes, not
 * re-serialized JSON, so bronze sees what CoinGecko sends; price history
 * (`/coins/{id}/market_chart/range`) is synthetic but deterministic (market-chart.ts). Faults
 * are scripted through options or `script()` (never env), and every request is recorded so
 * tests can assert rates and headers.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { loadFixtureData, type FixtureData } from './fixture-data.js';
import { chartBaseOf, marketChartBody } from './market-chart.js';
import { createMarketUniverse } from './market-universe.js';
import { flatHeaders, waitOrHangUp } from '../fake-http.js';

/**
 * One scripted reply, used once by the next matching request. With no `status` and no `body`,
 * the normal response is served (after `delayMs`): that is how a slow server is scripted.
 */
export interface ScriptedResponse {
  /** Only requests to this path (relative to /api/v3, e.g. `/coins/markets`) use it; default any. */
  readonly path?: string;
  /** Real milliseconds to wait before replying (the wait ends early if the client hangs up). */
  readonly delayMs?: number;
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** Destroy the connection without replying (a connection reset, as the client sees it). */
  readonly resetConnection?: boolean;
}

export interface RecordedRequest {
  readonly method: string;
  /** Path relative to /api/v3, without the query. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly at: Date;
  /** Null until replied, and for reset connections. */
  status: number | null;
}

export interface FakeCoinGeckoOptions {
  /** Size of the coin universe; default 250 (the recording). */
  readonly coins?: number;
  /** Require this key in this header; 401 like CoinGecko otherwise. */
  readonly requireKey?: { readonly header: string; readonly key: string };
  /** Faults to serve, in order, before normal responses. */
  readonly script?: readonly ScriptedResponse[];
  /** Timestamps for recorded requests; default real time. */
  readonly now?: () => Date;
  /** Where the recorded fixtures live; default the repository's tests/fixtures/coingecko. */
  readonly fixturesDir?: string;
  /**
   * Called as each request arrives, once recorded; the request waits for a returned promise.
   * Tests use it to act at an exact point, e.g. kill a client once it asks for the K-th range.
   */
  readonly onRequest?: (request: RecordedRequest) => void | Promise<void>;
  /** Called once each reply has been sent, with `status` set. */
  readonly onResponse?: (request: RecordedRequest) => void;
  /** Answer 429 (CoinGecko's body, `retry-after`) to a request above this rolling limit, as the real API does. */
  readonly rateLimit?: RollingRateLimit;
}

export interface RollingRateLimit {
  /** Requests served in any `windowMs` span (refused ones do not count). */
  readonly requests: number;
  readonly windowMs: number;
  /** Sent as `retry-after`; default 60. */
  readonly retryAfterSeconds?: number;
}

export interface FakeCoinGecko {
  readonly app: FastifyInstance;
  /** Every request received, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Appends scripted replies. */
  script(...responses: ScriptedResponse[]): void;
  /** Scripted replies not yet used. */
  readonly pendingScript: number;
  /** CoinGecko's recorded 429 body and a `retry-after` header, as a scripted reply. */
  rateLimited(retryAfterSeconds: number, path?: string): ScriptedResponse;
}

export const API_PREFIX = '/api/v3';
const JSON_TYPE = 'application/json; charset=utf-8';
const MAX_PER_PAGE = 250;
const SUPPORTED_CURRENCIES = new Set(['usd']);

/**
 * ```ts
 * const fake = createFakeCoinGecko({ coins: 1000, script: [{ status: 500, body: '{}' }] });
 * const res = await fake.app.inject('/api/v3/coins/markets?vs_currency=usd&page=2');
 * ```
 */
export function createFakeCoinGecko(options: FakeCoinGeckoOptions = {}): FakeCoinGecko {
  const data: FixtureData = loadFixtureData(options.fixturesDir);
  const universe = createMarketUniverse(data, options.coins ?? data.rowTexts.length);
  const now = options.now ?? (() => new Date());
  const queue: ScriptedResponse[] = [...(options.script ?? [])];
  const requests: RecordedRequest[] = [];
  const records = new WeakMap<FastifyRequest, RecordedRequest>();
  // Arrival times (ms) of the requests served under `rateLimit`, oldest first.
  const served: number[] = [];
  const app = Fastify({ logger: false });

  app.addHook('onRequest', async (request) => {
    const url = new URL(request.url, 'http://fake');
    const record: RecordedRequest = {
      method: request.method,
      path: url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) || '/' : url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: flatHeaders(request.headers),
      at: now(),
      status: null,
    };
    requests.push(record);
    records.set(request, record);
    await options.onRequest?.(record);
  });
  app.addHook('onResponse', async (request, reply) => {
    const record = records.get(request);
    if (record === undefined) return;
    record.status = reply.statusCode;
    options.onResponse?.(record);
  });

  // The rate limit, then faults, then the key check, as a real server's edge (rate limiter, proxy) would do.
  app.addHook('preHandler', async (request, reply) => {
    const record = records.get(request);
    if (record === undefined) return;
    const limit = options.rateLimit;
    if (limit !== undefined) {
      const at = now().getTime();
      while (served.length > 0 && (served[0] as number) <= at - limit.windowMs) served.shift();
      if (served.length >= limit.requests) {
        return reply
          .code(429)
          .headers({ 'content-type': JSON_TYPE, 'retry-after': String(limit.retryAfterSeconds ?? 60) })
          .send(data.rateLimitBody);
      }
      served.push(at);
    }
    const index = queue.findIndex((scripted) => scripted.path === undefined || scripted.path === record.path);
    if (index >= 0) {
      const [scripted] = queue.splice(index, 1) as [ScriptedResponse];
      if (scripted.delayMs !== undefined && scripted.delayMs > 0) {
        const hungUp = await waitOrHangUp(request, scripted.delayMs);
        if (hungUp) return reply.hijack();
      }
      if (scripted.resetConnection) {
        reply.hijack();
        request.raw.socket.destroy();
        return reply;
      }
      if (scripted.status !== undefined || scripted.body !== undefined) {
        return reply
          .code(scripted.status ?? 200)
          .headers({ 'content-type': JSON_TYPE, ...scripted.headers })
          .send(scripted.body ?? '');
      }
    }
    const required = options.requireKey;
    if (required !== undefined && record.path !== '/ping') {
      const sent = record.headers[required.header.toLowerCase()];
      if (sent === undefined) return sendJson(reply, 401, { status: { error_code: 10002, error_message: 'API Key Missing' } });
      if (sent !== required.key) return sendJson(reply, 401, { status: { error_code: 10010, error_message: 'Invalid API Key' } });
    }
    return undefined;
  });

  app.get(`${API_PREFIX}/ping`, async (_request, reply) => sendJson(reply, 200, { gecko_says: '(V3) To the Moon!' }));

  app.get(`${API_PREFIX}/global`, async (_request, reply) => reply.code(200).header('content-type', JSON_TYPE).send(data.globalBody));

  app.get(`${API_PREFIX}/coins/markets`, async (request, reply) => {
    const query = records.get(request)?.query ?? {};
    const currency = query['vs_currency'];
    if (currency === undefined || currency === '') return sendJson(reply, 400, { error: 'Missing parameter vs_currency' });
    if (!SUPPORTED_CURRENCIES.has(currency)) return sendJson(reply, 400, { error: 'invalid vs_currency' });
    const order = query['order'] ?? 'market_cap_desc';
    if (order !== 'market_cap_desc') return sendJson(reply, 400, { error: `order ${order} is not supported by the fake` });
    const perPage = positiveInt(query['per_page'] ?? '100');
    const page = positiveInt(query['page'] ?? '1');
    // Stricter than CoinGecko (which clamps): a client asking for more than 250 has a bug.
    if (perPage === null || perPage > MAX_PER_PAGE) return sendJson(reply, 400, { error: `per_page must be an integer in 1…${MAX_PER_PAGE}` });
    if (page === null) return sendJson(reply, 400, { error: 'page must be a positive integer' });
    return reply
      .code(200)
      .headers({ 'content-type': JSON_TYPE, 'per-page': String(perPage), total: String(universe.size) })
      .send(universe.pageBody(page, perPage));
  });

  app.get<{ Params: { id: string } }>(`${API_PREFIX}/coins/:id/market_chart/range`, async (request, reply) => {
    const query = records.get(request)?.query ?? {};
    const currency = query['vs_currency'];
    if (currency === undefined || currency === '') return sendJson(reply, 400, { error: 'Missing parameter vs_currency' });
    if (!SUPPORTED_CURRENCIES.has(currency)) return sendJson(reply, 400, { error: 'invalid vs_currency' });
    const from = unixSeconds(query['from']);
    const to = unixSeconds(query['to']);
    if (from === undefined || to === undefined) {
      const name = from === undefined ? 'from' : 'to';
      const text = query[name];
      return sendJson(reply, 400, { error: text === undefined || text === '' ? `Missing parameter ${name}` : `invalid ${name}: expected a UNIX timestamp in seconds` });
    }
    if (from > to) return sendJson(reply, 400, { error: 'invalid range: from is after to' });
    const row = universe.coin(request.params.id);
    const base = row === undefined ? undefined : chartBaseOf(row);
    if (base === undefined) return sendJson(reply, 404, { error: 'coin not found' });
    return reply.code(200).header('content-type', JSON_TYPE).send(marketChartBody(base, from * 1000, to * 1000, now().getTime()));
  });

  app.setNotFoundHandler(async (_request, reply) =>
    sendJson(reply, 404, { error: 'Incorrect path. Please check https://www.coingecko.com/api/documentation' }),
  );

  return {
    app,
    requests,
    script: (...responses) => void queue.push(...responses),
    get pendingScript() {
      return queue.length;
    },
    rateLimited: (retryAfterSeconds, path) => ({
      ...(path === undefined ? {} : { path }),
      status: 429,
      headers: { 'retry-after': String(retryAfterSeconds) },
      body: data.rateLimitBody,
    }),
  };
}

function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('content-type', JSON_TYPE).send(JSON.stringify(body));
}

function positiveInt(text: string): number | null {
  return /^[1-9]\d{0,8}$/.test(text) ? Number(text) : null;
}

function unixSeconds(text: string | undefined): number | undefined {
  return text !== undefined && /^\d{1,11}(\.\d+)?$/.test(text) ? Number(text) : undefined;
}
