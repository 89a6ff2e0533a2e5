import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { CoinGeckoConfig } from '../../src/config.js';
import { ManualClock } from '../../src/core/manual-clock.js';
import type { Clock } from '../../src/core/types.js';
import { startFakeCoinGecko, type RunningFakeCoinGecko, type StartFakeCoinGeckoOptions } from '../../src/pipeline/fake-coingecko/index.js';
import { createCoinGeckoClient, type CoinGeckoClientDeps, type SourceRequestInfo } from '../../src/pipeline/sources/coingecko-client.js';
import { parseGlobal } from '../../src/pipeline/sources/coingecko-schemas.js';
import { SourceHttpError } from '../../src/pipeline/sources/source-errors.js';
import { MARKETS_RAW, fixtureBytes, sha256 } from './fixtures.js';
import { RecordingClock, maxInWindow } from './recording-clock.js';

const KEY = 'CG-secret-test-key-4242';
const TRUNCATED = '[{"id":"bitcoin","symbol":"btc","current_price":961';

let fake: RunningFakeCoinGecko | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** A fake on a real port whose request timestamps come from the test clock. */
async function setup<C extends Clock = RecordingClock>(
  options: StartFakeCoinGeckoOptions & { config?: Partial<CoinGeckoConfig>; deps?: Partial<CoinGeckoClientDeps>; clock?: C } = {},
) {
  const { config: configOverrides, deps: depsOverrides, clock: givenClock, ...fakeOptions } = options;
  const clock = (givenClock ?? new RecordingClock()) as C;
  fake = await startFakeCoinGecko({ now: () => clock.now(), ...fakeOptions });
  const config: CoinGeckoConfig = {
    plan: 'public',
    baseUrl: fake.url,
    apiKey: undefined,
    rateLimitPerMinute: 1_000,
    rateLimitWindowMs: 60_000,
    timeoutMs: 5_000,
    maxRetries: 3,
    ...configOverrides,
  };
  const requests: SourceRequestInfo[] = [];
  const rateLimitWaits: number[] = [];
  const logLines: string[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    }),
  );
  const client = createCoinGeckoClient(config, {
    clock,
    random: () => 0,
    logger,
    onRequest: (info) => requests.push(info),
    onRateLimitWait: (ms) => rateLimitWaits.push(ms),
    ...depsOverrides,
  });
  return { fake, clock, client, requests, rateLimitWaits, logLines };
}

async function failure(promise: Promise<unknown>): Promise<SourceHttpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof SourceHttpError)) throw new Error(`expected a SourceHttpError, got ${inspect(error)}`);
  return error;
}

describe('CoinGecko client against the fake', () => {
  it('returns the exact bytes received, the key-free URL and a lossless parse', async () => {
    const { client, clock } = await setup();
    const page = await client.getMarketsPage({ page: 1 });
    expect(sha256(page.body)).toBe(sha256(fixtureBytes(MARKETS_RAW)));
    expect(page.status).toBe(200);
    expect(page.attempts).toBe(1);
    expect(page.url).toBe(
      `${fake?.url}/coins/markets?vs_currency=usd&order=market_cap_desc&per_page=250&page=1&precision=full&price_change_percentage=1h%2C24h%2C7d%2C30d%2C1y`,
    );
    expect(page.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(page.fetchedAt).toEqual(clock.now());
    expect(page.data).toHaveLength(250);
    expect(String(page.data[0]?.['current_price'])).toBe('96114.08481738689');
  });

  it('pages until the coin count is reached', async () => {
    const { client, fake } = await setup({ coins: 15_000 });
    const pages = await client.fetchAllMarkets({ coins: 600 });
    expect(pages.map((p) => p.data.length)).toEqual([250, 250, 250]);
    expect(fake.requests.map((r) => [r.query['page'], r.query['per_page']])).toEqual([
      ['1', '250'],
      ['2', '250'],
      ['3', '250'],
    ]);
    const ids = new Set(pages.flatMap((p) => p.data.map((row) => row['id'])));
    expect(ids.size).toBe(750);
  });

  it('stops at a short page when the universe runs out', async () => {
    const { client, fake } = await setup({ coins: 520 });
    const pages = await client.fetchAllMarkets({ coins: 15_000 });
    expect(pages.map((p) => p.data.length)).toEqual([250, 250, 20]);
    expect(fake.requests).toHaveLength(3);
  });

  it('stops at an empty page', async () => {
    const { client, fake } = await setup({ coins: 500 });
    const pages = await client.fetchAllMarkets({ coins: 1_000 });
    expect(pages.map((p) => p.data.length)).toEqual([250, 250, 0]);
    expect(fake.requests).toHaveLength(3);
  });

  it('asks for one page of exactly the count when it fits in one', async () => {
    const { client, fake } = await setup();
    const pages = await client.fetchAllMarkets({ coins: 40 });
    expect(pages.map((p) => p.data.length)).toEqual([40]);
    expect(fake.requests.map((r) => r.query['per_page'])).toEqual(['40']);
  });

  it('honours Retry-After on 429 and pauses the limiter', async () => {
    const { client, fake, clock, rateLimitWaits, requests } = await setup();
    fake.script(fake.rateLimited(119));
    const global = await client.getGlobal();
    expect(global.attempts).toBe(2);
    expect(rateLimitWaits).toEqual([119_000]);
    expect(clock.sleeps).toEqual([119_000]);
    const [limited, retried] = fake.requests;
    expect((retried?.at.getTime() ?? 0) - (limited?.at.getTime() ?? 0)).toBeGreaterThanOrEqual(119_000);
    expect(requests.map((r) => [r.status, r.outcome])).toEqual([
      [429, 'retry'],
      [200, 'ok'],
    ]);
  });

  it('waits the longer of backoff and Retry-After', async () => {
    const { client, fake, clock } = await setup({ deps: { backoff: { initialDelayMs: 10_000, jitter: 0 } } });
    fake.script(fake.rateLimited(2));
    await client.getGlobal();
    expect(clock.sleeps).toEqual([10_000]);
  });

  it('retries a 500 after a jittered backoff', async () => {
    const { client, fake, clock, requests } = await setup();
    fake.script({ status: 500, body: '{"error":"Internal Server Error"}' });
    const global = await client.getGlobal();
    expect(global.status).toBe(200);
    // random() = 0 takes the jittered half away: 1000 ms × (1 − 0.5).
    expect(clock.sleeps).toEqual([500]);
    expect(requests.map((r) => r.outcome)).toEqual(['retry', 'ok']);
    expect(parseGlobal(global.data).ok).toBe(true);
  });

  it('backs off exponentially and gives up after maxRetries with the URL and last status', async () => {
    const { client, fake, clock } = await setup({ config: { maxRetries: 2 }, deps: { backoff: { jitter: 0 } } });
    fake.script({ status: 502 }, { status: 500 }, { status: 503, body: 'upstream down' });
    const error = await failure(client.getGlobal());
    expect(error.code).toBe('SOURCE_HTTP_ERROR');
    expect(error.retryable).toBe(true);
    expect(error.status).toBe(503);
    expect(error.attempts).toBe(3);
    expect(error.message).toBe(`GET ${fake.url}/global failed after 3 attempts (retries exhausted); last: HTTP 503: upstream down`);
    expect(clock.sleeps).toEqual([1_000, 2_000]);
    expect(fake.requests).toHaveLength(3);
  });

  it('retries after a timeout', async () => {
    const { client, fake } = await setup({ config: { timeoutMs: 200 } });
    fake.script({ path: '/global', delayMs: 10_000 });
    const global = await client.getGlobal();
    expect(global.attempts).toBe(2);
    expect(fake.requests.map((r) => r.status)).toEqual([null, 200]);
  });

  it('reports a timeout that never clears as such', async () => {
    const { client, fake } = await setup({ config: { timeoutMs: 100, maxRetries: 1 } });
    fake.script({ delayMs: 10_000 }, { delayMs: 10_000 });
    const error = await failure(client.getGlobal());
    expect(error.failure.kind).toBe('timeout');
    expect(error.status).toBeNull();
    expect(error.message).toMatch(/timeout of 100ms exceeded|no complete response within 100ms/);
  });

  it('retries a connection reset', async () => {
    const { client, fake } = await setup();
    fake.script({ resetConnection: true });
    const page = await client.getMarketsPage({ page: 1, perPage: 5 });
    expect(page.data).toHaveLength(5);
    expect(page.attempts).toBe(2);
  });

  it('retries a malformed body, then fails with SOURCE_MALFORMED_JSON if it persists', async () => {
    const first = await setup();
    first.fake.script({ status: 200, body: TRUNCATED });
    expect((await first.client.getMarketsPage({ page: 1 })).attempts).toBe(2);
    await first.fake.close();

    const { client, fake } = await setup({ config: { maxRetries: 1 } });
    fake.script({ status: 200, body: TRUNCATED }, { status: 200, body: TRUNCATED });
    const error = await failure(client.getMarketsPage({ page: 1 }));
    expect(error.code).toBe('SOURCE_MALFORMED_JSON');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(`${fake.url}/coins/markets?`);
    expect(error.message).toContain(`malformed JSON (Unexpected end of JSON input at position ${TRUNCATED.length}`);
  });

  it('fails at once on a 400, naming the URL, without the key', async () => {
    const { client, fake, clock, requests, logLines } = await setup({ config: { plan: 'demo', apiKey: KEY } });
    const error = await failure(client.getMarketsPage({ page: 1, vsCurrency: 'xyz' }));
    expect(error.retryable).toBe(false);
    expect(error.status).toBe(400);
    expect(error.attempts).toBe(1);
    expect(error.message).toContain(`GET ${fake.url}/coins/markets?vs_currency=xyz&`);
    expect(error.message).toContain('(fatal); last: HTTP 400: {"error":"invalid vs_currency"}');
    expect(fake.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    expect(requests.map((r) => r.outcome)).toEqual(['fatal']);
    expect(inspect(error, { depth: Infinity })).not.toContain(KEY);
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('')).not.toContain(KEY);
  });

  it.each([
    ['public', undefined],
    ['demo', 'x-cg-demo-api-key'],
    ['pro', 'x-cg-pro-api-key'],
  ] as const)('with the %s plan, sends the key in header %s', async (plan, header) => {
    const { client, fake } = await setup({ config: { plan, apiKey: KEY } });
    await client.getGlobal();
    const sent = fake.requests[0]?.headers ?? {};
    expect(sent['x-cg-demo-api-key']).toBe(header === 'x-cg-demo-api-key' ? KEY : undefined);
    expect(sent['x-cg-pro-api-key']).toBe(header === 'x-cg-pro-api-key' ? KEY : undefined);
  });

  it('is refused with a wrong key, and the key appears in no error or log', async () => {
    const { client, fake, logLines } = await setup({
      requireKey: { header: 'x-cg-pro-api-key', key: 'the-right-key' },
      config: { plan: 'pro', apiKey: KEY },
    });
    const error = await failure(client.getGlobal());
    expect(error.status).toBe(401);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(`${fake.url}/global`);
    expect(inspect(error, { depth: Infinity })).not.toContain(KEY);
    expect(JSON.stringify(error)).not.toContain(KEY);
    expect(logLines.join('')).not.toContain(KEY);
  });

  it('keeps the key out of transport errors too', async () => {
    const { client, fake, logLines } = await setup({ config: { plan: 'demo', apiKey: KEY, maxRetries: 0 } });
    fake.script({ resetConnection: true });
    const error = await failure(client.getGlobal());
    expect(error.failure.kind).toBe('network');
    expect(error.cause).toBeUndefined();
    expect(inspect(error, { depth: Infinity })).not.toContain(KEY);
    expect(logLines.join('')).not.toContain(KEY);
  });

  it('never starts more requests than the plan allows in any 60 s', async () => {
    const { client, fake, rateLimitWaits } = await setup({ coins: 15_000, config: { rateLimitPerMinute: 3 } });
    const pages = await client.fetchAllMarkets({ coins: 2_000 });
    expect(pages).toHaveLength(8);
    const times = fake.requests.map((r) => r.at.getTime());
    expect(maxInWindow(times, 60_000)).toBe(3);
    expect((times[7] ?? 0) - (times[0] ?? 0)).toBe(120_000);
    expect(rateLimitWaits).toEqual([60_000, 60_000]);
  });

  it('stops when the signal aborts, without a request', async () => {
    const { client, fake } = await setup();
    const controller = new AbortController();
    controller.abort(new Error('run canceled'));
    await expect(client.getGlobal({ signal: controller.signal })).rejects.toThrow('run canceled');
    expect(fake.requests).toHaveLength(0);
  });

  it('stops waiting out a 429 when the signal aborts', async () => {
    const { client, fake, clock } = await setup({ clock: new ManualClock() });
    fake.script(fake.rateLimited(60));
    const controller = new AbortController();
    const pending = client.getGlobal({ signal: controller.signal });
    expect((await clock.nextSleep()).ms).toBe(60_000);
    controller.abort(new Error('run canceled'));
    await expect(pending).rejects.toThrow('run canceled');
    expect(fake.requests).toHaveLength(1);
  });
});
