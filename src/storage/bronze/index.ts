export { BronzeKeyError, BronzeNotFoundError, BronzePartitionError } from './bronze-errors.js';
export type { BronzeStore } from './bronze-store.js';
export { LocalBronzeStore } from './local-bronze-store.js';
