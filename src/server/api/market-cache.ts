/**
 * How long clients may reuse market-data answers (`Cache-Control: public, max-age`). The newest
 * snapshot changes every six hours and a CSV import can land any time, so open-ended answers are
 * short-lived; a range that has ended ("closed history") changes only when a source is
 * reprocessed, so it may be kept longer. Either way the ETag makes revalidation cheap (304).
 */
export const CACHE_SECONDS = Object.freeze({
  /** `/market/latest`. */
  latest: 60,
  /** `/market/coins`: new coins appear with a snapshot. */
  coins: 300,
  /** History, daily prices and marts whose range reaches now. */
  open: 60,
  /** History, daily prices and marts whose range ended before now. */
  closed: 3600,
});

/** A half-open time range [from, to) is closed once `to` has passed. */
export function closedTimes(to: Date | undefined, now: Date): boolean {
  return to !== undefined && to.getTime() <= now.getTime();
}

/** A day range that includes `to` is closed once that UTC day has ended. */
export function closedDays(to: string | undefined, now: Date): boolean {
  return to !== undefined && to < now.toISOString().slice(0, 10);
}
