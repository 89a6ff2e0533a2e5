export { createCoinGeckoClient, MAX_PER_PAGE } from './coingecko-client.js';
export type {
  CoinGeckoClient,
  CoinGeckoClientDeps,
  MarketsPageRequest,
  MarketsRequest,
  SourceLogger,
  SourceRequestInfo,
  SourceResponse,
} from './coingecko-client.js';
export { GlobalSchema, MarketRowSchema, MarketsPageSchema, parseGlobal, parseMarketRow, parseMarketsPage } from './coingecko-schemas.js';
export type { GlobalData, GlobalResult, MarketRow, MarketRowResult, MarketsPageResult } from './coingecko-schemas.js';
export { toPlainDecimal } from './decimal-text.js';
export { isRetryableStatus, parseRetryAfter } from './http-failures.js';
export { JsonNumber, JsonSyntaxError, isJsonObject, parseLosslessJson, splitJsonArray, stringifyLosslessJson } from './lossless-json.js';
export type { JsonObject, JsonValue } from './lossless-json.js';
export { createRateLimiter } from './rate-limiter.js';
export type { RateLimiter, RateLimiterOptions } from './rate-limiter.js';
export { SourceHttpError } from './source-errors.js';
export type { SourceFailure, SourceFailureKind } from './source-errors.js';
