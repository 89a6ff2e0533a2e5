/**
 * CoinPaprika's `/v1/tickers` rows in the unified schema. CoinPaprika has its own ids
 * (`btc-bitcoin`), so `coinId` is left to the mapping step (silver.coin_id_map); symbols are
 * lower-cased, `rank` 0 (unranked) and `max_supply` 0 (no cap) become null, as CoinGecko says them.
 */
import { parseTicker, type Ticker } from '../sources/coinpaprika-schemas.js';
import type { SourceAdapter, UnifiedQuote } from './unified-quote.js';

export const COINPAPRIKA_SOURCE = 'coinpaprika';

export function quoteFromTicker(ticker: Ticker): UnifiedQuote {
  const usd = ticker.quotes.USD;
  return {
    sourceCoinId: ticker.id,
    symbol: ticker.symbol.toLowerCase(),
    name: ticker.name,
    priceUsd: usd.price,
    marketCapUsd: usd.market_cap,
    totalVolumeUsd: usd.volume_24h,
    marketCapRank: ticker.rank === 0 ? null : ticker.rank,
    circulatingSupply: ticker.circulating_supply,
    totalSupply: ticker.total_supply,
    maxSupply: ticker.max_supply !== null && Number(ticker.max_supply) === 0 ? null : ticker.max_supply,
    priceChangePercentage24h: usd.percent_change_24h,
    lastUpdated: ticker.last_updated,
  };
}

export const coinpaprikaAdapter: SourceAdapter = {
  source: COINPAPRIKA_SOURCE,
  toQuote(raw) {
    const parsed = parseTicker(raw);
    if (!parsed.ok) return { ok: false, reason: parsed.reason, ...(parsed.tickerId ? { sourceCoinId: parsed.tickerId } : {}) };
    return { ok: true, quote: quoteFromTicker(parsed.ticker) };
  },
};
