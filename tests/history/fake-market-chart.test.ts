/**
 * The fake CoinGecko's `/coins/{id}/market_chart/range`: CoinGecko's shape and compact number
 * text, its granularity rules, the same values for the same (coin, time) in every request,
 * nothing after `now`, its error bodies, the scripted faults, and the request hooks.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createFakeCoinGecko, DEFAULT_FIXTURES_DIR, type RecordedRequest } from '../../src/pipeline/fake-coingecko/index.js';
import { JsonNumber, parseLosslessJson, type JsonObject, type JsonValue } from '../../src/pipeline/sources/index.js';

const DAY_S = 86_400;
const JAN_1 = Date.UTC(2025, 0, 1) / 1000;
const NOW = new Date('2026-01-01T00:00:00Z');

const rangeUrl = (id: string, from: number | string, to: number | string) =>
  `/api/v3/coins/${id}/market_chart/range?vs_currency=usd&from=${from}&to=${to}`;

function series(body: string): Record<string, Array<[number, string]>> {
  const data = parseLosslessJson(body) as JsonObject;
  const out: Record<string, Array<[number, string]>> = {};
  for (const [name, points] of Object.entries(data)) {
    out[name] = (points as JsonValue[]).map((point) => {
      const [at, value] = point as [JsonNumber, JsonNumber];
      return [Number(at.source), value.source];
    });
  }
  return out;
}

describe('fake CoinGecko market_chart/range', () => {
  it("has the recorded response's shape: three series of [integer ms, float] pairs, compact", async () => {
    const fake = createFakeCoinGecko({ now: () => NOW });
    const response = await fake.app.inject(rangeUrl('bitcoin', JAN_1, JAN_1 + 7 * DAY_S - 1));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const recorded = JSON.parse(readFileSync(`${DEFAULT_FIXTURES_DIR}coins_bitcoin_market_chart_usd_days7_2023-10-14.json`, 'utf8')) as object;
    expect(Object.keys(JSON.parse(response.body) as object)).toEqual(Object.keys(recorded));
    expect(response.body).toMatch(/^\{"prices":\[\[1735689\d{6},\d+\.\d+\],\[/);
    expect(response.body).not.toMatch(/\s/);
    const { prices, market_caps: caps, total_volumes: volumes } = series(response.body);
    expect(prices).toHaveLength(7 * 24);
    expect(caps?.map(([at]) => at)).toEqual(prices?.map(([at]) => at));
    expect(volumes?.map(([at]) => at)).toEqual(prices?.map(([at]) => at));
    // Around the recorded page's values: bitcoin at $96,114 and a $1.9T market cap.
    for (const [, price] of prices ?? []) expect(Math.abs(Number(price) / 96114.08481738689 - 1)).toBeLessThan(0.1);
    for (const [, cap] of caps ?? []) expect(Math.abs(Number(cap) / 1903746811536 - 1)).toBeLessThan(0.1);
  });

  it.each([
    ['one day: 5-minutely', DAY_S - 1, 288, 5 * 60_000],
    ['two days: hourly', 2 * DAY_S - 1, 48, 3_600_000],
    ['90 days: hourly', 90 * DAY_S, 90 * 24, 3_600_000],
    ['over 90 days: daily at 00:00 UTC', 90 * DAY_S + 1, 91, 86_400_000],
  ])('picks the granularity like CoinGecko (%s)', async (_name, span, count, step) => {
    const fake = createFakeCoinGecko({ now: () => NOW });
    const { prices = [] } = series((await fake.app.inject(rangeUrl('ethereum', JAN_1, JAN_1 + span))).body);
    expect(prices).toHaveLength(count);
    prices.forEach(([at], index) => {
      const slot = JAN_1 * 1000 + index * step;
      // Daily points sit exactly at midnight; finer ones a few seconds after their slot.
      if (step === 86_400_000) expect(at).toBe(slot);
      else expect(at - slot).toBeGreaterThanOrEqual(0), expect(at - slot).toBeLessThan(60_000);
    });
  });

  it('serves the same value for the same coin and time in every request, and different coins differently', async () => {
    const fake = createFakeCoinGecko({ now: () => NOW });
    const week = series((await fake.app.inject(rangeUrl('solana', JAN_1, JAN_1 + 7 * DAY_S))).body);
    const twoDays = series((await fake.app.inject(rangeUrl('solana', JAN_1 + 2 * DAY_S, JAN_1 + 4 * DAY_S - 1))).body);
    const again = await createFakeCoinGecko({ now: () => NOW }).app.inject(rangeUrl('solana', JAN_1, JAN_1 + 7 * DAY_S));
    expect(series(again.body)).toEqual(week);
    const byTime = new Map(week['prices']?.map(([at, price]) => [at, price]));
    expect(twoDays['prices']).toHaveLength(48);
    for (const [at, price] of twoDays['prices'] ?? []) expect(byTime.get(at)).toBe(price);
    const other = series((await fake.app.inject(rangeUrl('cardano', JAN_1, JAN_1 + 7 * DAY_S))).body);
    expect(other['prices']?.[0]?.[1]).not.toBe(week['prices']?.[0]?.[1]);
  });

  it('serves nothing after now, and synthetic coins of a larger universe', async () => {
    const fake = createFakeCoinGecko({ coins: 600, now: () => new Date(JAN_1 * 1000 + 3 * 3_600_000 + 30 * 60_000) });
    const { prices = [] } = series((await fake.app.inject(rangeUrl('bitcoin', JAN_1, JAN_1 + 2 * DAY_S))).body);
    expect(prices.map(([at]) => new Date(at).toISOString().slice(0, 13))).toEqual(['2025-01-01T00', '2025-01-01T01', '2025-01-01T02', '2025-01-01T03']);
    expect((await fake.app.inject(rangeUrl('bitcoin-3', JAN_1, JAN_1 + DAY_S))).statusCode).toBe(200);
    expect((await fake.app.inject(rangeUrl('bitcoin-4', JAN_1, JAN_1 + DAY_S))).statusCode).toBe(404);
  });

  it.each([
    [rangeUrl('no-such-coin', JAN_1, JAN_1 + DAY_S), 404, { error: 'coin not found' }],
    ['/api/v3/coins/bitcoin/market_chart/range?vs_currency=usd&to=1735776000', 400, { error: 'Missing parameter from' }],
    ['/api/v3/coins/bitcoin/market_chart/range?vs_currency=usd&from=1735689600', 400, { error: 'Missing parameter to' }],
    [rangeUrl('bitcoin', 'yesterday', JAN_1), 400, { error: 'invalid from: expected a UNIX timestamp in seconds' }],
    [rangeUrl('bitcoin', JAN_1, '-5'), 400, { error: 'invalid to: expected a UNIX timestamp in seconds' }],
    [rangeUrl('bitcoin', JAN_1 + DAY_S, JAN_1), 400, { error: 'invalid range: from is after to' }],
    [`/api/v3/coins/bitcoin/market_chart/range?from=${JAN_1}&to=${JAN_1 + DAY_S}`, 400, { error: 'Missing parameter vs_currency' }],
  ])('answers %s with %i and a JSON error', async (url, status, body) => {
    const fake = createFakeCoinGecko({ now: () => NOW });
    const response = await fake.app.inject(url);
    expect([response.statusCode, JSON.parse(response.body)]).toEqual([status, body]);
    expect(fake.requests.map((request) => request.status)).toEqual([status]);
  });

  it('applies scripted faults to the range path, and calls the hooks with each recorded request', async () => {
    const seen: string[] = [];
    const fake = createFakeCoinGecko({
      now: () => NOW,
      onRequest: (request) => void seen.push(`request ${request.path} ${String(request.status)}`),
      onResponse: (request: RecordedRequest) => void seen.push(`response ${request.path} ${String(request.status)}`),
    });
    fake.script(fake.rateLimited(30, '/coins/bitcoin/market_chart/range'));
    const limited = await fake.app.inject(rangeUrl('bitcoin', JAN_1, JAN_1 + DAY_S));
    expect([limited.statusCode, limited.headers['retry-after']]).toEqual([429, '30']);
    expect((await fake.app.inject(rangeUrl('bitcoin', JAN_1, JAN_1 + DAY_S))).statusCode).toBe(200);
    expect(seen).toEqual([
      'request /coins/bitcoin/market_chart/range null',
      'response /coins/bitcoin/market_chart/range 429',
      'request /coins/bitcoin/market_chart/range null',
      'response /coins/bitcoin/market_chart/range 200',
    ]);
  });
});
