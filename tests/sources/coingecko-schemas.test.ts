import { describe, expect, it } from 'vitest';
import { parseGlobal, parseMarketRow, parseMarketsPage, type MarketRow } from '../../src/pipeline/sources/coingecko-schemas.js';
import { parseLosslessJson, type JsonObject } from '../../src/pipeline/sources/lossless-json.js';
import { MARKETS_RAW, fixtureText, marketsFixtures } from './fixtures.js';

function rowsOf(name: string): readonly JsonObject[] {
  const page = parseMarketsPage(parseLosslessJson(fixtureText(name)));
  if (!page.ok) throw new Error(`${name}: ${page.reason}`);
  return page.rows;
}

function validRows(name: string): MarketRow[] {
  return rowsOf(name).map((raw) => {
    const result = parseMarketRow(raw);
    if (!result.ok) throw new Error(`${name} ${result.coinId}: ${result.reason}`);
    return result.row;
  });
}

/** The raw recorded row for `id`, to mutate into bad rows. */
function recordedRow(id: string): JsonObject {
  const row = rowsOf(MARKETS_RAW).find((candidate) => candidate['id'] === id);
  if (row === undefined) throw new Error(`no ${id}`);
  return { ...row };
}

describe('parseMarketRow on every recorded response', () => {
  it.each(marketsFixtures())('every row of %s parses', (name) => {
    const results = rowsOf(name).map(parseMarketRow);
    expect(results.length).toBeGreaterThan(0);
    const failures = results.filter((result) => !result.ok);
    expect(failures).toEqual([]);
  });

  it('keeps every decimal as the exact recorded text', () => {
    const text = fixtureText(MARKETS_RAW);
    const rows = validRows(MARKETS_RAW);
    const btc = rows[0] as MarketRow;
    expect(btc.current_price).toBe('96114.08481738689');
    expect(btc.circulating_supply).toBe('19822040.0');
    expect(btc.market_cap_rank).toBe(1);
    // Every exponent-notation token in the recording survives as written (75 per SOURCES.md).
    const exponentTokens = text.match(/(?<=:)-?\d+(\.\d+)?[eE][-+]?\d+/g) ?? [];
    expect(exponentTokens).toHaveLength(75);
    const values = new Set(rows.flatMap((row) => Object.values(row)).filter((v): v is string => typeof v === 'string'));
    for (const token of exponentTokens) expect(values).toContain(token);
    expect(values).toContain('-6.0e-05');
  });

  it('preserves 1.0e+15 from the 2021 recording', () => {
    const rows = validRows('coins_markets_usd_page1_per100_pcp-1y_2021-06-24.json');
    expect(rows.some((row) => row.total_supply === '1.0e+15' || row.max_supply === '1.0e+15')).toBe(true);
  });

  it('reads fields absent in 2020 as null, and keeps roi objects', () => {
    const rows = validRows('coins_markets_usd_ids-8coins_2020-05-07.json');
    expect(rows.map((row) => row.fully_diluted_valuation)).toEqual(Array(8).fill(null));
    expect(rows.map((row) => row.max_supply)).toEqual(Array(8).fill(null));
    const withRoi = rows.find((row) => row.roi !== null);
    expect(withRoi?.roi).toEqual({ times: expect.any(String), currency: expect.any(String), percentage: expect.any(String) });
    const zeroCap = rows.find((row) => row.market_cap_rank === 7111);
    expect(zeroCap?.market_cap).toBe('0.0');
  });

  it('accepts the row whose 24h fields are all null', () => {
    const row = validRows(MARKETS_RAW).find((candidate) => candidate.id === 'resolv-wstusr');
    expect(row).toMatchObject({ high_24h: null, low_24h: null, price_change_24h: null, price_change_percentage_24h: null });
    expect(row?.last_updated).toMatch(/^2025-01-28/);
  });

  it('keeps the price change windows that were requested', () => {
    const btc = validRows(MARKETS_RAW)[0] as MarketRow;
    expect(btc.price_change_percentage_1h_in_currency).toBe('-0.37298892679590195');
    expect(btc.price_change_percentage_1y_in_currency).toBe('103.40771692128985');
    expect(btc.price_change_percentage_7d_in_currency).toBeNull();
  });
});

describe('parseMarketRow on bad rows', () => {
  it('rejects a number sent as a string, naming the field and the value', () => {
    const raw = { ...recordedRow('bitcoin'), current_price: '12.5' };
    const result = parseMarketRow(raw);
    expect(result).toEqual({ ok: false, coinId: 'bitcoin', reason: 'current_price: expected a number or null, got string "12.5"' });
  });

  it('rejects a missing required field', () => {
    const raw = recordedRow('ethereum');
    delete raw['total_volume'];
    const result = parseMarketRow(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toBe('total_volume: expected a number or null, got nothing (field missing)');
  });

  it('names nested fields and every bad field at once', () => {
    const raw = parseLosslessJson(
      JSON.stringify({ ...JSON.parse(fixtureText(MARKETS_RAW))[0], market_cap_rank: 1.5, roi: { times: 'x', currency: 'usd', percentage: 1 } }),
    );
    const result = parseMarketRow(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toContain('market_cap_rank: expected a non-negative integer or null, got number 1.5');
      expect(result.reason).toContain('roi.times: expected a number, got string "x"');
    }
  });

  it('rejects a bad timestamp and an empty id; no coinId without a string id', () => {
    expect(parseMarketRow({ ...recordedRow('tether'), last_updated: 'yesterday' })).toMatchObject({
      ok: false,
      coinId: 'tether',
      reason: expect.stringContaining('last_updated: expected an ISO 8601 timestamp or null, got string "yesterday"'),
    });
    const noId = parseMarketRow({ ...recordedRow('tether'), id: 42 });
    expect(noId).toEqual({ ok: false, reason: expect.stringContaining('id: expected a string') });
    expect('coinId' in noId).toBe(false);
  });

  it('rejects JS numbers, which have already lost their text', () => {
    const result = parseMarketRow({ ...recordedRow('bitcoin'), market_cap: 1903746811536 });
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('market_cap: expected a number or null, got JS number') });
  });

  it('rejects a row that is not an object', () => {
    expect(parseMarketRow(null)).toEqual({ ok: false, reason: 'row: expected an object, got null' });
  });
});

describe('parseMarketsPage', () => {
  it('checks only that the page is an array of objects', () => {
    expect(parseMarketsPage(parseLosslessJson('[{"id":"x"},{}]'))).toMatchObject({ ok: true, rows: [{ id: 'x' }, {}] });
    expect(parseMarketsPage(parseLosslessJson('{"status":{"error_code":429}}'))).toMatchObject({ ok: false });
    expect(parseMarketsPage(parseLosslessJson('[{"id":"x"}, 3]'))).toEqual({
      ok: false,
      reason: '1: expected an object (a market row), got number 3',
    });
  });
});

describe('parseGlobal', () => {
  it.each(['global_2025-04-07.json', 'global_2023-01-08.json'])('parses %s keeping exact decimals', (name) => {
    const result = parseGlobal(parseLosslessJson(fixtureText(name)));
    if (!result.ok) throw new Error(result.reason);
    expect(Number(result.global.total_market_cap['usd'])).toBeGreaterThan(0);
    expect(Object.keys(result.global.market_cap_percentage)).toHaveLength(10);
    expect(result.global.updated_at).toBeGreaterThan(1_600_000_000);
  });

  it('keeps exponent text in per-currency maps', () => {
    const result = parseGlobal(parseLosslessJson(fixtureText('global_2025-04-07.json')));
    expect(result.ok && result.global.total_market_cap['ars']).toBe('2.70016521312815e+15');
    expect(result.ok && result.global.total_market_cap['usd']).toBe('2515268352188.766');
  });

  it('names a bad field', () => {
    const raw = parseLosslessJson(fixtureText('global_2025-04-07.json').replace('"markets":1297', '"markets":"1297"'));
    expect(parseGlobal(raw)).toEqual({ ok: false, reason: 'data.markets: expected a non-negative integer, got string "1297"' });
  });
});
