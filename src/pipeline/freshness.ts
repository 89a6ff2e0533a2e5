/**
 * How fresh each asset should be (AssetSpec.freshness), exported as `strata_asset_stale`.
 * Snapshots are due every six hours; bronze may lag 30 minutes more (a slow or rate-limited
 * fetch). Each layer downstream gets a little more, so when a fetch is late the bronze asset
 * goes stale first and the alert points at the cause rather than at every asset after it.
 */
import type { FreshnessPolicy } from '../index.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const BRONZE_FRESHNESS: FreshnessPolicy = Object.freeze({ maxLagMs: 6 * HOUR + 30 * MINUTE });
export const SILVER_FRESHNESS: FreshnessPolicy = Object.freeze({ maxLagMs: 6 * HOUR + 45 * MINUTE });
export const GOLD_FRESHNESS: FreshnessPolicy = Object.freeze({ maxLagMs: 7 * HOUR });
/** The daily mart runs at 00:15 UTC for the day before: one day, plus an hour of slack. */
export const DAILY_FRESHNESS: FreshnessPolicy = Object.freeze({ maxLagMs: 25 * HOUR });
