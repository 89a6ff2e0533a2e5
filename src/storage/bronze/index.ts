export { BronzeKeyError, BronzeNotFoundError, BronzePartitionError } from './bronze-errors.js';
export { assertKey, assertPrefix, keySegments } from './bronze-key.js';
export type { BronzeFile, BronzeObjectStat, BronzeStore, PartitionWriter } from './bronze-store.js';
export { LocalBronzeStore } from './local-bronze-store.js';
export type { BronzeRecoveryReport } from './local-bronze-recovery.js';
