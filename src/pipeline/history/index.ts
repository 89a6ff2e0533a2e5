/** Daily price history with per-coin checkpoints: the bronze and silver assets. */
export { coingeckoPriceHistory } from './coingecko-price-history.js';
export { priceHistory } from './price-history.js';
export { MAX_FETCH_DAYS, gapEndingAt } from './checkpoint.js';
