/**
 * The maintained mapping file coin-maps/coinpaprika.csv: malformed lines and one-to-one
 * conflicts are errors naming the lines, and the shipped file maps exactly the fake's coins
 * that CoinGecko lists.
 */
import { describe, expect, it } from 'vitest';
import { loadFixtureData } from '../../src/pipeline/fake-coingecko/index.js';
import { EXTRA_TICKERS, createTickerUniverse } from '../../src/pipeline/fake-coinpaprika/index.js';
import { parseCoinMap, readCoinMap } from '../../src/pipeline/sources/coin-maps/coin-map-file.js';
import { ValidationError } from '../../src/core/errors.js';

const HEADER = 'coinpaprika_id,coingecko_id';

function parse(lines: readonly string[]) {
  return parseCoinMap(`${lines.join('\n')}\n`, 'coinpaprika.csv', 'coinpaprika');
}

function problemOf(lines: readonly string[]): string {
  try {
    parse(lines);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as Error).message;
  }
  throw new Error('expected the file to be refused');
}

describe('coin map file', () => {
  it('reads pairs with their line numbers, skipping blank lines and comments', () => {
    expect(parse([HEADER, 'btc-bitcoin,bitcoin', '', '# stablecoins', ' usdt-tether , tether ', 'usdc-e-bridged-usdc,bridged-usdc-polygon-pos-bridge'])).toEqual([
      { sourceCoinId: 'btc-bitcoin', coinId: 'bitcoin', line: 2 },
      { sourceCoinId: 'usdt-tether', coinId: 'tether', line: 5 },
      { sourceCoinId: 'usdc-e-bridged-usdc', coinId: 'bridged-usdc-polygon-pos-bridge', line: 6 },
    ]);
  });

  it('names both lines when a CoinPaprika id is mapped twice', () => {
    expect(problemOf([HEADER, 'btc-bitcoin,bitcoin', 'eth-ethereum,ethereum', 'btc-bitcoin,wrapped-bitcoin'])).toBe(
      "coin map coinpaprika.csv: 1 problem: lines 2 and 4 both map coinpaprika id 'btc-bitcoin' (to 'bitcoin' and 'wrapped-bitcoin')",
    );
  });

  it('names both lines when two CoinPaprika ids map to one CoinGecko id', () => {
    expect(problemOf([HEADER, 'btc-bitcoin,bitcoin', 'xbt-bitcoin,bitcoin'])).toBe(
      "coin map coinpaprika.csv: 1 problem: lines 2 and 3 both map to coingecko id 'bitcoin' (from 'btc-bitcoin' and 'xbt-bitcoin')",
    );
  });

  it('lists every malformed line', () => {
    const message = problemOf(['paprika,gecko', 'btc-bitcoin', 'eth-ethereum,ethereum,extra', 'USDT-Tether,tether', 'sol-solana,']);
    expect(message).toContain('5 problems');
    expect(message).toContain("line 1: expected the header 'coinpaprika_id,coingecko_id', got 'paprika,gecko'");
    expect(message).toContain("line 2: expected 2 fields (coinpaprika_id,coingecko_id), got 1: 'btc-bitcoin'");
    expect(message).toContain('line 3: expected 2 fields');
    expect(message).toContain("line 4: 'USDT-Tether' is not a coin id");
    expect(message).toContain("line 5: '' is not a coin id");
  });

  it('ships a file that maps every fake coin CoinGecko lists, and only those', async () => {
    const universe = createTickerUniverse(loadFixtureData());
    const shipped = await readCoinMap('coinpaprika');
    expect(new Map(shipped.map((entry) => [entry.sourceCoinId, entry.coinId]))).toEqual(universe.coingeckoIds);
    const mapped = new Set(shipped.map((entry) => entry.sourceCoinId));
    expect(EXTRA_TICKERS.filter((ticker) => mapped.has(ticker.id))).toEqual([]);
  });
});
