/**
 * The CoinPaprika client against the fake CoinPaprika on a real port: the response as received,
 * the key in `Authorization` only, CoinPaprika's error bodies surfaced, retries and timeouts.
 */
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { CoinPaprikaConfig } from '../../src/config.js';
import { ERROR_BODIES, planLimited, rateLimited, startFakeCoinPaprika, type RunningFakeCoinPaprika, type StartFakeCoinPaprikaOptions } from '../../src/pipeline/fake-coinpaprika/index.js';
import { createCoinPaprikaClient } from '../../src/pipeline/sources/coinpaprika-client.js';
import type { SourceRequestInfo } from '../../src/pipeline/sources/http-source.js';
import { SourceHttpError } from '../../src/pipeline/sources/source-errors.js';
import { RecordingClock, maxInWindow } from './recording-clock.js';

const KEY = 'paprika-secret-key-7731';
const TRUNCATED = '[{"id":"btc-bitcoin","quotes":{"USD":{"price":965';

let fake: RunningFakeCoinPaprika | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(options: StartFakeCoinPaprikaOptions & { config?: Partial<CoinPaprikaConfig> } = {}) {
  const { config: configOverrides, ...fakeOptions } = options;
  const clock = new RecordingClock();
  fake = await startFakeCoinPaprika({ now: () => clock.now(), ...fakeOptions });
  const config: CoinPaprikaConfig = { baseUrl: fake.url, apiKey: undefined, rateLimitPerMinute: 1_000, rateLimitWindowMs: 60_000, timeoutMs: 5_000, maxRetries: 3, ...configOverrides };
  const requests: SourceRequestInfo[] = [];
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
  const client = createCoinPaprikaClient(config, { clock, random: () => 0, logger, onRequest: (info) => requests.push(info) });
  return { fake, clock, client, requests, logLines };
}

async function failure(promise: Promise<unknown>): Promise<SourceHttpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof SourceHttpError)) throw new Error(`expected a SourceHttpError, got ${inspect(error)}`);
  return error;
}

describe('CoinPaprika client against the fake', () => {
  it('returns /tickers as received, with a lossless parse and a key-free URL', async () => {
    const { client, fake, clock } = await setup();
    const response = await client.getTickers();
    expect(response.body.equals(fake.universe.body)).toBe(true);
    expect(response.url).toBe(`${fake.url}/tickers?quotes=USD`);
    expect(response.status).toBe(200);
    expect(response.fetchedAt).toEqual(clock.now());
    expect(response.data).toHaveLength(fake.universe.tickers.length);
    const [btc] = response.data;
    expect(btc?.['id']).toBe('btc-bitcoin');
    expect(btc?.['symbol']).toBe('BTC');
    const usd = (btc?.['quotes'] as Record<string, Record<string, unknown>>)['USD'];
    expect(String(usd?.['price'])).toBe(String(fake.universe.tickers[0]?.quotes.USD['price']));
    expect(fake.requests.map((r) => [r.path, r.query])).toEqual([['/tickers', { quotes: 'USD' }]]);
  });

  it('sends the key in Authorization and nowhere else', async () => {
    const { client, fake } = await setup({ requireKey: KEY, config: { apiKey: KEY } });
    const response = await client.getTickers();
    expect(response.url).not.toContain(KEY);
    const [request] = fake.requests;
    expect(request?.headers['authorization']).toBe(KEY);
    expect(JSON.stringify(request?.query)).not.toContain(KEY);
  });

  it('sends no Authorization header without a key', async () => {
    const { client, fake } = await setup();
    await client.getTickers();
    expect(fake.requests[0]?.headers['authorization']).toBeUndefined();
  });

  it('is refused with a wrong key, and the key appears in no error or log', async () => {
    const { client, logLines } = await setup({ requireKey: 'the-right-key', config: { apiKey: KEY } });
    const error = await failure(client.getTickers());
    expect(error.status).toBe(401);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('{"error":"invalid API key"}');
    expect(inspect(error, { depth: Infinity })).not.toContain(KEY);
    expect(logLines.join('')).not.toContain(KEY);
  });

  it('waits out a 429 for Retry-After, then succeeds', async () => {
    const { client, fake, clock, requests } = await setup();
    fake.script(rateLimited(30));
    const response = await client.getTickers();
    expect(response.attempts).toBe(2);
    expect(clock.sleeps).toEqual([30_000]);
    expect(requests.map((r) => [r.status, r.outcome])).toEqual([
      [429, 'retry'],
      [200, 'ok'],
    ]);
    const [limited, retried] = fake.requests;
    expect((retried?.at.getTime() ?? 0) - (limited?.at.getTime() ?? 0)).toBe(30_000);
  });

  it('surfaces the 429 body when the retries run out', async () => {
    const { client, fake } = await setup({ config: { maxRetries: 1 } });
    fake.script(rateLimited(1), rateLimited(1));
    const error = await failure(client.getTickers());
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(`GET ${fake.url}/tickers?quotes=USD failed after 2 attempts (retries exhausted); last: HTTP 429: ${ERROR_BODIES.tooManyRequests}`);
  });

  it('fails at once on a 402 (plan limit) with its body in the message', async () => {
    const { client, fake, requests } = await setup();
    fake.script(planLimited());
    const error = await failure(client.getTickers());
    expect(error.status).toBe(402);
    expect(error.retryable).toBe(false);
    expect(error.attempts).toBe(1);
    expect(error.message).toContain(`(fatal); last: HTTP 402: ${ERROR_BODIES.planLimit.slice(0, 60)}`);
    expect(requests.map((r) => r.outcome)).toEqual(['fatal']);
  });

  it("fails at once on a 404 with CoinPaprika's body in the message", async () => {
    const { client, fake } = await setup();
    fake.script({ status: 404, body: ERROR_BODIES.idNotFound });
    const error = await failure(client.getTickers());
    expect(error.status).toBe(404);
    expect(error.message).toContain('HTTP 404: {"error":"id not found"}');
    expect(fake.requests).toHaveLength(1);
  });

  it('retries a malformed body, then fails with SOURCE_MALFORMED_JSON if it persists', async () => {
    const first = await setup();
    first.fake.script({ status: 200, body: TRUNCATED });
    expect((await first.client.getTickers()).attempts).toBe(2);
    await first.fake.close();

    const { client, fake: second } = await setup({ config: { maxRetries: 1 } });
    second.script({ status: 200, body: TRUNCATED }, { status: 200, body: TRUNCATED });
    const error = await failure(client.getTickers());
    expect(error.code).toBe('SOURCE_MALFORMED_JSON');
    expect(error.attempts).toBe(2);
  });

  it('rejects a 200 that is not a list of tickers, naming the URL', async () => {
    const { client, fake } = await setup();
    fake.script({ status: 200, body: '{"error":"maintenance"}' });
    await expect(client.getTickers()).rejects.toThrow(`GET ${fake.url}/tickers?quotes=USD: response is not a list of tickers: expected an array of tickers, got object`);
  });

  it('retries after a timeout, and reports one that never clears as such', async () => {
    const first = await setup({ config: { timeoutMs: 200 } });
    first.fake.script({ delayMs: 10_000 });
    expect((await first.client.getTickers()).attempts).toBe(2);
    expect(first.fake.requests.map((r) => r.status)).toEqual([null, 200]);
    await first.fake.close();

    const { client, fake: second } = await setup({ config: { timeoutMs: 100, maxRetries: 1 } });
    second.script({ delayMs: 10_000 }, { delayMs: 10_000 });
    const error = await failure(client.getTickers());
    expect(error.failure.kind).toBe('timeout');
    expect(error.retryable).toBe(true);
  });

  it('keeps to its own rate limit', async () => {
    const { client, fake, clock } = await setup({ config: { rateLimitPerMinute: 2 } });
    for (let i = 0; i < 5; i++) await client.getTickers();
    const times = fake.requests.map((r) => r.at.getTime());
    expect(maxInWindow(times, 60_000)).toBe(2);
    expect(clock.sleeps).toEqual([60_000, 60_000]);
  });
});
