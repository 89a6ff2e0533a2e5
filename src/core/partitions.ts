import { InvalidPartitionKeyError, ValidationError } from './errors.js';
import type { PartitionWindow, PartitionsDefinition } from './types.js';

export type PartitionsKind = PartitionsDefinition['kind'];

/** Guards against a typo (`2016` for `2026`) turning a backfill into millions of runs. */
export const MAX_PARTITION_KEYS = 100_000;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

interface TimeGrid {
  readonly kind: PartitionsKind;
  readonly periodMs: number;
  readonly pattern: RegExp;
  /** Shown in error messages, so a user can fix a key without reading the code. */
  readonly expected: string;
  toKey(start: Date): string;
}

function createTimePartitions(grid: TimeGrid): PartitionsDefinition {
  function invalid(key: string): InvalidPartitionKeyError {
    return new InvalidPartitionKeyError(`invalid ${grid.kind} partition key '${key}': expected ${grid.expected}`);
  }

  function parse(key: string): PartitionWindow {
    const match = typeof key === 'string' ? grid.pattern.exec(key) : null;
    if (!match) throw invalid(String(key));
    const [year = 0, month = 0, day = 0, hour = 0] = match.slice(1).map(Number);
    const startMs = Date.UTC(year, month - 1, day, hour);
    // Date.UTC rolls invalid dates over (Feb 30 -> Mar 2), so a round trip catches them.
    if (startMs % grid.periodMs !== 0 || grid.toKey(new Date(startMs)) !== key) throw invalid(key);
    return Object.freeze({ key, start: new Date(startMs), end: new Date(startMs + grid.periodMs) });
  }

  function keyFor(time: Date): string {
    const ms = time.getTime();
    if (Number.isNaN(ms)) throw new ValidationError(`cannot find the ${grid.kind} partition of an invalid date`);
    return grid.toKey(new Date(Math.floor(ms / grid.periodMs) * grid.periodMs));
  }

  function keysBetween(from: string, to: string): string[] {
    const first = parse(from);
    const last = parse(to);
    if (first.start > last.start) {
      throw new InvalidPartitionKeyError(`partition range '${from}'..'${to}' is reversed: '${from}' comes after '${to}'`);
    }
    const count = (last.start.getTime() - first.start.getTime()) / grid.periodMs + 1;
    if (count > MAX_PARTITION_KEYS) {
      throw new InvalidPartitionKeyError(
        `partition range '${from}'..'${to}' has ${count} ${grid.kind} keys, more than the limit of ${MAX_PARTITION_KEYS}`,
      );
    }
    const keys: string[] = [];
    for (let i = 0; i < count; i++) keys.push(grid.toKey(new Date(first.start.getTime() + i * grid.periodMs)));
    return keys;
  }

  return Object.freeze({ kind: grid.kind, parse, keyFor, keysBetween });
}

/** UTC windows starting at 00:00, 06:00, 12:00 and 18:00; keys like `2026-11-23T06:00Z`. */
export const sixHourlyPartitions: PartitionsDefinition = createTimePartitions({
  kind: 'six_hourly',
  periodMs: 6 * HOUR_MS,
  pattern: /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):00Z$/,
  expected: 'YYYY-MM-DDTHH:00Z in UTC with HH one of 00, 06, 12, 18 (e.g. 2026-11-23T06:00Z)',
  toKey: (start) => `${start.toISOString().slice(0, 13)}:00Z`,
});

/** UTC calendar days; keys like `2026-11-23`. */
export const dailyPartitions: PartitionsDefinition = createTimePartitions({
  kind: 'daily',
  periodMs: DAY_MS,
  pattern: /^(\d{4})-(\d{2})-(\d{2})$/,
  expected: 'YYYY-MM-DD, a real UTC calendar date (e.g. 2026-11-23)',
  toKey: (start) => start.toISOString().slice(0, 10),
});

const BY_KIND: Readonly<Record<PartitionsKind, PartitionsDefinition>> = Object.freeze({
  six_hourly: sixHourlyPartitions,
  daily: dailyPartitions,
});

/** Looks a definition up by the `kind` stored in the database or sent by the API. */
export function partitionsByKind(kind: string): PartitionsDefinition {
  if (!Object.hasOwn(BY_KIND, kind)) {
    throw new ValidationError(`unknown partitions kind '${kind}': expected one of ${Object.keys(BY_KIND).join(', ')}`);
  }
  return BY_KIND[kind as PartitionsKind];
}

export { dailyToSixHourly, identityMapping } from './partition-mappings.js';
