/**
 * How a materialization reports quarantined rows by reason: metadata `quarantined_<reason>`
 * (a count) for each reason in QUARANTINE_REASONS. The reasons are categories, not the
 * per-row messages stored in silver.quarantine, so the metric label stays bounded.
 */
import type { Metadata } from '../core/types.js';

export const QUARANTINE_REASONS = ['invalid', 'duplicate'] as const;
export type QuarantineReason = (typeof QUARANTINE_REASONS)[number];

/** `[reason, count]` for every reason the metadata reports (counts may be 0). */
export function quarantinedByReason(metadata: Metadata): Array<[QuarantineReason, number]> {
  return QUARANTINE_REASONS.flatMap((reason): Array<[QuarantineReason, number]> => {
    const count = metadata[`quarantined_${reason}`];
    return typeof count === 'number' && Number.isFinite(count) ? [[reason, count]] : [];
  });
}
