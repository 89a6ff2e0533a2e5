export { createCoinGeckoClient } from './coingecko-client.js';
export type { CoinGeckoClient } from './coingecko-client.js';
export { createCoinPaprikaClient } from './coinpaprika-client.js';
export type { CoinPaprikaClient } from './coinpaprika-client.js';
export { MarketRowSchema, parseGlobal, parseMarketRow } from './coingecko-schemas.js';
export type { MarketRow } from './coingecko-schemas.js';
export { toPlainDecimal } from './decimal-text.js';
export { JsonNumber, JsonSyntaxError, isJsonObject, parseLosslessJson, stringifyLosslessJson } from './lossless-json.js';
export type { JsonObject, JsonValue } from './lossless-json.js';
