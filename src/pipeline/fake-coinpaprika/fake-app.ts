/**
 * A local stand-in for the CoinPaprika API (`/v1/tickers`), for tests and for running the
 * pipeline offline. Its tickers are derived from the recorded CoinGecko page (ticker-universe.ts).
 * Faults, including CoinPaprika's JSON error bodies, are scripted through options or `script()`,
 * and every request is recorded so tests can assert rates and headers.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { loadFixtureData } from '../fake-coingecko/fixture-data.js';
import { createTickerUniverse, type TickerUniverse } from './ticker-universe.js';
import { flatHeaders, waitOrHangUp } from '../fake-http.js';

/** One scripted reply, used once by the next matching request; without status and body, the normal one after `delayMs`. */
export interface ScriptedReply {
  /** Only requests to this path (relative to /v1, e.g. `/tickers`) use it; default any. */
  readonly path?: string;
  /** Real milliseconds to wait before replying (ends early if the client hangs up). */
  readonly delayMs?: number;
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

export interface RecordedRequest {
  readonly method: string;
  /** Path relative to /v1, without the query. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly at: Date;
  /** Null until replied. */
  status: number | null;
}

export interface FakeCoinPaprikaOptions {
  /** Require this key in the `Authorization` header; 401 with a CoinPaprika-style body otherwise. */
  readonly requireKey?: string;
  readonly script?: readonly ScriptedReply[];
  /** Timestamps for recorded requests; default real time. */
  readonly now?: () => Date;
  /** Where the recorded CoinGecko fixtures live; default the repository's. */
  readonly fixturesDir?: string;
}

export interface FakeCoinPaprika {
  readonly app: FastifyInstance;
  readonly universe: TickerUniverse;
  readonly requests: RecordedRequest[];
  script(...replies: ScriptedReply[]): void;
  readonly pendingScript: number;
}

export const API_PREFIX = '/v1';
const JSON_TYPE = 'application/json; charset=utf-8';

/** CoinPaprika's error bodies, as its API sends them. */
export const ERROR_BODIES = {
  tooManyRequests: '{"error":"Too many requests"}',
  planLimit: '{"error":"Your plan does not allow this request. Upgrade your plan at https://coinpaprika.com/api"}',
  idNotFound: '{"error":"id not found"}',
} as const;

/** A 429 with `Retry-After`, as CoinPaprika's rate limiter answers. */
export function rateLimited(retryAfterSeconds: number, path?: string): ScriptedReply {
  return { ...(path === undefined ? {} : { path }), status: 429, headers: { 'retry-after': String(retryAfterSeconds) }, body: ERROR_BODIES.tooManyRequests };
}

/** A 402: the key's plan does not cover the request. */
export function planLimited(path?: string): ScriptedReply {
  return { ...(path === undefined ? {} : { path }), status: 402, body: ERROR_BODIES.planLimit };
}

export function createFakeCoinPaprika(options: FakeCoinPaprikaOptions = {}): FakeCoinPaprika {
  const universe = createTickerUniverse(loadFixtureData(options.fixturesDir));
  const byId = new Map(universe.tickers.map((ticker) => [ticker.id, ticker]));
  const now = options.now ?? (() => new Date());
  const queue: ScriptedReply[] = [...(options.script ?? [])];
  const requests: RecordedRequest[] = [];
  const records = new WeakMap<FastifyRequest, RecordedRequest>();
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
  });
  app.addHook('onResponse', async (request, reply) => {
    const record = records.get(request);
    if (record) record.status = reply.statusCode;
  });

  // Faults first, then the key check, as a real server's edge would do.
  app.addHook('preHandler', async (request, reply) => {
    const record = records.get(request);
    if (record === undefined) return undefined;
    const index = queue.findIndex((scripted) => scripted.path === undefined || scripted.path === record.path);
    if (index >= 0) {
      const [scripted] = queue.splice(index, 1) as [ScriptedReply];
      if (scripted.delayMs !== undefined && scripted.delayMs > 0 && (await waitOrHangUp(request, scripted.delayMs))) return reply.hijack();
      if (scripted.status !== undefined || scripted.body !== undefined) {
        return reply
          .code(scripted.status ?? 200)
          .headers({ 'content-type': JSON_TYPE, ...scripted.headers })
          .send(scripted.body ?? '');
      }
    }
    if (options.requireKey !== undefined) {
      const sent = record.headers['authorization'];
      if (sent === undefined) return sendJson(reply, 401, '{"error":"API key is missing"}');
      if (sent !== options.requireKey) return sendJson(reply, 401, '{"error":"invalid API key"}');
    }
    return undefined;
  });

  app.get(`${API_PREFIX}/tickers`, async (request, reply) => {
    const quotes = records.get(request)?.query['quotes'] ?? 'USD';
    if (quotes.toUpperCase() !== 'USD') return sendJson(reply, 400, '{"error":"the fake serves USD quotes only"}');
    return reply.code(200).header('content-type', JSON_TYPE).send(universe.body);
  });

  app.get<{ Params: { id: string } }>(`${API_PREFIX}/tickers/:id`, async (request, reply) => {
    const ticker = byId.get(request.params.id);
    return ticker === undefined ? sendJson(reply, 404, ERROR_BODIES.idNotFound) : sendJson(reply, 200, JSON.stringify(ticker));
  });

  app.setNotFoundHandler(async (_request, reply) => sendJson(reply, 404, '{"error":"not found"}'));

  return {
    app,
    universe,
    requests,
    script: (...replies) => void queue.push(...replies),
    get pendingScript() {
      return queue.length;
    },
  };
}

function sendJson(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).header('content-type', JSON_TYPE).send(body);
}
