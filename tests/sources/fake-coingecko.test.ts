import { afterEach, describe, expect, it } from 'vitest';
import { createFakeCoinGecko, runFakeCoinGeckoServer, type FakeCoinGecko } from '../../src/pipeline/fake-coingecko/index.js';
import { parseMarketRow, parseMarketsPage } from '../../src/pipeline/sources/coingecko-schemas.js';
import { parseLosslessJson, type JsonObject } from '../../src/pipeline/sources/lossless-json.js';
import { MARKETS_RAW, fixtureBytes, sha256 } from './fixtures.js';

const markets = (query: string) => `/api/v3/coins/markets?${query}`;
let fake: FakeCoinGecko | undefined;

function start(options: Parameters<typeof createFakeCoinGecko>[0] = {}): FakeCoinGecko {
  fake = createFakeCoinGecko(options);
  return fake;
}

afterEach(async () => {
  await fake?.app.close();
  fake = undefined;
});

function pageRows(body: string): readonly JsonObject[] {
  const page = parseMarketsPage(parseLosslessJson(body));
  if (!page.ok) throw new Error(page.reason);
  return page.rows;
}

describe('fake CoinGecko', () => {
  it('serves the recorded page 1 byte for byte', async () => {
    const { app } = start();
    const res = await app.inject(markets('vs_currency=usd&order=market_cap_desc&per_page=250&page=1&precision=full'));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(sha256(res.rawPayload)).toBe(sha256(fixtureBytes(MARKETS_RAW)));
  });

  it('pages a universe of 15,000 coins with unique ids and ranks, every row valid', async () => {
    const { app } = start({ coins: 15_000 });
    const ids = new Set<string>();
    const ranks = new Set<number>();
    for (let page = 1; page <= 61; page++) {
      const res = await app.inject(markets(`vs_currency=usd&per_page=250&page=${page}`));
      expect(res.statusCode).toBe(200);
      expect(res.headers['total']).toBe('15000');
      const rows = pageRows(res.body);
      expect(rows).toHaveLength(page <= 60 ? 250 : 0);
      for (const raw of rows) {
        const result = parseMarketRow(raw);
        if (!result.ok) throw new Error(`page ${page}: ${result.reason}`);
        ids.add(result.row.id);
        if (result.row.market_cap_rank !== null) ranks.add(result.row.market_cap_rank);
      }
    }
    expect(ids.size).toBe(15_000);
    expect(ranks.size).toBe(15_000);
    expect(ids.has('bitcoin-60')).toBe(true);
  });

  it('derives synthetic rows deterministically from recorded ones', async () => {
    const { app } = start({ coins: 600 });
    const first = await app.inject(markets('vs_currency=usd&per_page=100&page=3'));
    const again = await app.inject(markets('vs_currency=usd&per_page=100&page=3'));
    expect(first.body).toBe(again.body);
    const rows = pageRows(first.body).map((raw) => parseMarketRow(raw));
    const btc2 = rows.find((r) => r.ok && r.row.id === 'bitcoin-2');
    expect(btc2).toMatchObject({ ok: true, row: { name: 'Bitcoin 2', market_cap_rank: 251, market_cap: '951873405768', current_price: '96114.08481738689' } });
    const last = await app.inject(markets('vs_currency=usd&per_page=250&page=3'));
    expect(pageRows(last.body)).toHaveLength(100);
  });

  it('serves fewer rows than recorded as the recorded rows re-joined', async () => {
    const { app } = start({ coins: 3 });
    const res = await app.inject(markets('vs_currency=usd&per_page=250'));
    const text = fixtureBytes(MARKETS_RAW).toString('utf8');
    expect(text.startsWith(res.body.slice(0, -1))).toBe(true);
    expect(pageRows(res.body).map((row) => row['id'])).toEqual(['bitcoin', 'ethereum', 'tether']);
  });

  it('serves /global and /ping', async () => {
    const { app } = start();
    const global = await app.inject('/api/v3/global');
    expect(sha256(global.rawPayload)).toBe(sha256(fixtureBytes('global_2025-04-07.json')));
    expect((await app.inject('/api/v3/ping')).json()).toEqual({ gecko_says: '(V3) To the Moon!' });
  });

  it('answers bad requests and unknown paths with CoinGecko-style JSON errors', async () => {
    const { app } = start();
    expect((await app.inject(markets('per_page=10'))).json()).toEqual({ error: 'Missing parameter vs_currency' });
    expect((await app.inject(markets('vs_currency=usd&per_page=251'))).statusCode).toBe(400);
    expect((await app.inject(markets('vs_currency=xyz'))).statusCode).toBe(400);
    const missing = await app.inject('/api/v3/coins/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toHaveProperty('error');
  });

  it('checks the key header when asked to', async () => {
    const { app } = start({ requireKey: { header: 'x-cg-demo-api-key', key: 'k-123' } });
    expect((await app.inject('/api/v3/global')).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/v3/global', headers: { 'x-cg-demo-api-key': 'wrong' } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/v3/global', headers: { 'x-cg-demo-api-key': 'k-123' } })).statusCode).toBe(200);
  });

  it('plays scripted faults once each, in order, per path, and records every request', async () => {
    const times = [new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:01Z'), new Date('2026-01-01T00:00:02Z')];
    let tick = 0;
    const { app, script, rateLimited, requests } = start({ now: () => times[tick++] ?? new Date(0) });
    script(rateLimited(7, '/global'), { status: 500, body: '{"error":"boom"}' });
    const first = await app.inject(markets('vs_currency=usd&per_page=1'));
    expect(first.statusCode).toBe(500);
    const limited = await app.inject('/api/v3/global');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('7');
    expect(limited.body).toBe(fixtureBytes('error_429_body_2022-09-29.json').toString('utf8').trimEnd());
    expect(limited.rawPayload).toHaveLength(187);
    expect((await app.inject('/api/v3/global')).statusCode).toBe(200);
    expect(requests.map((r) => [r.path, r.status, r.at.toISOString()])).toEqual([
      ['/coins/markets', 500, '2026-01-01T00:00:00.000Z'],
      ['/global', 429, '2026-01-01T00:00:01.000Z'],
      ['/global', 200, '2026-01-01T00:00:02.000Z'],
    ]);
    expect(requests[0]?.query).toEqual({ vs_currency: 'usd', per_page: '1' });
  });
});

describe('runFakeCoinGeckoServer', () => {
  it('listens and tells the user how to point Strata at it', async () => {
    const lines: string[] = [];
    const server = await runFakeCoinGeckoServer({ port: 0, coins: 1_000, log: { info: (_fields, message) => lines.push(message) } });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v3$/);
      expect(lines).toContain(`try: COINGECKO_BASE_URL=${server.url} STRATA_COINS=1000 npm run strata -- materialize`);
      const res = await fetch(`${server.url}/coins/markets?vs_currency=usd&per_page=250&page=4`);
      expect(((await res.json()) as unknown[]).length).toBe(250);
    } finally {
      await server.close();
    }
  });
});
