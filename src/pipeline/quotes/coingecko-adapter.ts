/** CoinGecko's `/coins/markets` rows in the unified schema. CoinGecko's ids are the unified ids. */
import type { MarketRow } from '../sources/index.js';
import type { UnifiedQuote } from './unified-quote.js';

export function quoteFromMarketRow(row: MarketRow): UnifiedQuote {
  return {
    sourceCoinId: row.id,
    coinId: row.id,
    symbol: row.symbol.toLowerCase(),
    name: row.name,
    priceUsd: row.current_price,
    marketCapUsd: row.market_cap,
    totalVolumeUsd: row.total_volume,
    marketCapRank: row.market_cap_rank,
    circulatingSupply: row.circulating_supply,
    totalSupply: row.total_supply,
    maxSupply: row.max_supply,
    priceChangePercentage24h: row.price_change_percentage_24h,
    lastUpdated: row.last_updated,
  };
}
