/**
 * Cron times in a timezone, from any start date: what a schedule needs to find the ticks it
 * missed since its stored cursor. A thin wrapper over cron-parser (five fields, or six with
 * seconds first).
 *
 * DST, as cron-parser computes it (and the scheduler therefore does): a local time that does
 * not exist on a spring-forward day runs one hour later on the new offset (02:30 → 03:30), and a
 * daily local time that occurs twice on a fall-back day runs once, at its first occurrence.
 */
import { CronExpressionParser, type CronExpression } from 'cron-parser';

export interface CronTimes {
  readonly expression: string;
  readonly timezone: string;
  /** The first tick strictly after `after`. */
  nextAfter(after: Date): Date;
  /** Ticks in (after, until], oldest first; iterates lazily, so a long outage costs no memory. */
  between(after: Date, until: Date): Generator<Date, void, undefined>;
  /** The next `count` ticks strictly after `after`. */
  take(after: Date, count: number): Date[];
  /** The latest tick at or before `at`. */
  latestAtOrBefore(at: Date): Date;
}

/** True when the runtime's time-zone database knows `timezone` (IANA names such as `Europe/Berlin`, and `UTC`). */
export function isKnownTimeZone(timezone: string): boolean {
  if (timezone.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** Parses once to validate; throws an Error whose message says what is wrong with the expression or timezone. */
export function cronTimes(expression: string, timezone: string): CronTimes {
  if (!isKnownTimeZone(timezone)) throw new Error(`unknown timezone '${timezone}' (expected an IANA name such as 'UTC' or 'Europe/Berlin')`);
  const fields = expression.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) {
    throw new Error(`invalid cron '${expression}': expected 5 fields (minute hour day month weekday) or 6 (second first), got ${fields}`);
  }
  const parse = (currentDate: Date): CronExpression => CronExpressionParser.parse(expression, { tz: timezone, currentDate });
  try {
    // An expression can parse yet never match (`0 0 30 2 *`): asking for one tick finds that out now.
    parse(new Date(0)).next();
  } catch (error) {
    throw new Error(`invalid cron '${expression}': ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }

  function* between(after: Date, until: Date): Generator<Date, void, undefined> {
    const iterator = parse(after);
    for (;;) {
      const tick = iterator.next().toDate();
      if (tick.getTime() > until.getTime()) return;
      yield tick;
    }
  }

  return Object.freeze({
    expression,
    timezone,
    nextAfter: (after: Date) => parse(after).next().toDate(),
    between,
    take: (after: Date, count: number) => parse(after).take(count).map((tick) => tick.toDate()),
    latestAtOrBefore: (at: Date) => parse(new Date(at.getTime() + 1)).prev().toDate(),
  });
}
