/**
 * `strata/testing`: what a project's tests use to materialize its assets, offline, on a
 * throwaway in-memory database fed by the fake CoinGecko (see test-strata.ts for an example).
 */
export { createTestStrata, FAKE_COINGECKO_PARTITION } from './test-strata.js';
export type { MaterializeOptions, TestRun, TestStrata, TestStrataOptions } from './test-strata.js';
export type { StepResult } from '../core/executor.js';
