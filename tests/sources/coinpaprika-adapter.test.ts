/**
 * CoinPaprika tickers into unified quotes: exact decimal text, CoinPaprika's conventions
 * (rank 0, max_supply 0) as nulls, and every invalid row a reason naming the field. Plus the
 * fake's tickers: deterministic, valid, close to CoinGecko's prices except the outliers.
 */
import { describe, expect, it } from 'vitest';
import { loadFixtureData } from '../../src/pipeline/fake-coingecko/index.js';
import { EXTRA_TICKERS, OUTLIER_OFFSETS, createTickerUniverse } from '../../src/pipeline/fake-coinpaprika/index.js';
import { coinpaprikaAdapter } from '../../src/pipeline/quotes/coinpaprika-adapter.js';
import { JsonNumber, parseLosslessJson, type JsonObject } from '../../src/pipeline/sources/index.js';

/** The recorded-shape ticker from CoinPaprika's docs and recordings, parsed losslessly. */
function ticker(overrides: (row: JsonObject) => void = () => {}): JsonObject {
  const row = parseLosslessJson(`{"id":"btc-bitcoin","name":"Bitcoin","symbol":"BTC","rank":1,"circulating_supply":19822040,
    "total_supply":19827218,"max_supply":21000000,"beta_value":0.9,"first_data_at":"2010-07-17T00:00:00Z",
    "last_updated":"2025-02-09T17:43:20Z","quotes":{"USD":{"price":96512.610000000001,"volume_24h":29512345678.12,
    "volume_24h_change_24h":-3.1,"market_cap":1913630000000,"market_cap_change_24h":0.4,"percent_change_15m":0.02,
    "percent_change_24h":4.1e-1,"percent_change_7d":-2.1,"ath_price":108786,"ath_date":"2025-01-20T09:11:54Z",
    "percent_from_price_ath":-11.28}}}`) as JsonObject;
  overrides(row);
  return row;
}

const usd = (row: JsonObject) => (row['quotes'] as JsonObject)['USD'] as JsonObject;

function reasonFor(row: unknown): string {
  const result = coinpaprikaAdapter.toQuote(row);
  if (result.ok) throw new Error('expected the row to be refused');
  return result.reason;
}

describe('CoinPaprika adapter', () => {
  it('maps a ticker to a unified quote, numbers as their exact source text', () => {
    const result = coinpaprikaAdapter.toQuote(ticker());
    expect(result).toEqual({
      ok: true,
      quote: {
        sourceCoinId: 'btc-bitcoin',
        symbol: 'btc',
        name: 'Bitcoin',
        priceUsd: '96512.610000000001',
        marketCapUsd: '1913630000000',
        totalVolumeUsd: '29512345678.12',
        marketCapRank: 1,
        circulatingSupply: '19822040',
        totalSupply: '19827218',
        maxSupply: '21000000',
        priceChangePercentage24h: '4.1e-1',
        lastUpdated: '2025-02-09T17:43:20Z',
      },
    });
    expect(coinpaprikaAdapter.source).toBe('coinpaprika');
  });

  it('leaves the unified id to the mapping step', () => {
    const result = coinpaprikaAdapter.toQuote(ticker());
    expect(result.ok && result.quote.coinId).toBeUndefined();
  });

  it('reads rank 0 as unranked and max_supply 0 as no cap', () => {
    const result = coinpaprikaAdapter.toQuote(
      ticker((row) => {
        row['rank'] = new JsonNumber('0');
        row['max_supply'] = new JsonNumber('0');
      }),
    );
    expect(result.ok && [result.quote.marketCapRank, result.quote.maxSupply]).toEqual([null, null]);
  });

  it('keeps null measures as null', () => {
    const result = coinpaprikaAdapter.toQuote(
      ticker((row) => {
        usd(row)['price'] = null;
        row['last_updated'] = null;
      }),
    );
    expect(result.ok && [result.quote.priceUsd, result.quote.lastUpdated]).toEqual([null, null]);
  });

  it('refuses a ticker without a USD quote, naming the field and keeping the id', () => {
    const row = ticker((r) => {
      r['quotes'] = parseLosslessJson('{"BTC":{"price":1}}');
    });
    expect(coinpaprikaAdapter.toQuote(row)).toEqual({ ok: false, reason: 'quotes.USD: expected an object (the USD quote), got nothing (field missing)', sourceCoinId: 'btc-bitcoin' });
    expect(reasonFor(ticker((r) => delete r['quotes']))).toBe('quotes: expected an object of quotes by currency, got nothing (field missing)');
  });

  it.each([
    ['a price as a string', (row: JsonObject) => (usd(row)['price'] = '96512.61'), 'quotes.USD.price: expected a number or null, got string "96512.61"'],
    ['a negative rank', (row: JsonObject) => (row['rank'] = new JsonNumber('-1')), 'rank: expected a non-negative integer, got number -1'],
    ['a fractional rank', (row: JsonObject) => (row['rank'] = new JsonNumber('1.5')), 'rank: expected a non-negative integer, got number 1.5'],
    ['a missing symbol', (row: JsonObject) => delete row['symbol'], 'symbol: expected a string, got nothing (field missing)'],
    ['a unix-seconds timestamp', (row: JsonObject) => (row['last_updated'] = new JsonNumber('1739122999')), 'last_updated: expected an ISO 8601 timestamp or null, got number 1739122999'],
  ])('refuses %s with a reason', (_title, corrupt, reason) => {
    expect(reasonFor(ticker(corrupt))).toBe(reason);
  });

  it('refuses a row that is not an object, or has no usable id, without an id', () => {
    expect(coinpaprikaAdapter.toQuote([1, 2])).toEqual({ ok: false, reason: 'row: expected an object, got array' });
    const result = coinpaprikaAdapter.toQuote(ticker((row) => (row['id'] = '')));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.sourceCoinId).toBeUndefined();
  });
});

describe("the fake CoinPaprika's tickers", () => {
  const data = loadFixtureData();
  const universe = createTickerUniverse(data);

  it('are deterministic and all valid', () => {
    expect(createTickerUniverse(loadFixtureData()).body.equals(universe.body)).toBe(true);
    const rows = parseLosslessJson(universe.body.toString('utf8')) as unknown[];
    expect(rows).toHaveLength(data.rows.length + EXTRA_TICKERS.length);
    expect(rows.map((row) => coinpaprikaAdapter.toQuote(row)).filter((result) => !result.ok)).toEqual([]);
    expect(new Set(universe.tickers.map((t) => t.id)).size).toBe(rows.length);
  });

  it("use CoinPaprika's id style and upper-case symbols", () => {
    expect(universe.tickers.slice(0, 3).map((t) => [t.id, t.symbol])).toEqual([
      ['btc-bitcoin', 'BTC'],
      ['eth-ethereum', 'ETH'],
      ['usdt-tether', 'USDT'],
    ]);
    expect(universe.tickers.every((t) => /^[a-z0-9-]+$/.test(t.id) && t.symbol === t.symbol.toUpperCase())).toBe(true);
  });

  it("price within 0.5% of CoinGecko's, except the outliers, which are more than 5% off", () => {
    data.rows.forEach((row, index) => {
      const coingecko = Number((row['current_price'] as JsonNumber).source);
      const paprika = Number(universe.tickers[index]?.quotes.USD['price']);
      const spread = Math.abs(paprika / coingecko - 1);
      if (OUTLIER_OFFSETS.has(index)) expect(spread, `row ${index}`).toBeGreaterThan(0.05);
      else expect(spread, `row ${index}`).toBeLessThanOrEqual(0.005 + 1e-9);
    });
  });
});
