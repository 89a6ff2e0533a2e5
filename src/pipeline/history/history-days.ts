/** UTC calendar days as `YYYY-MM-DD` text, the way partition keys and `date` columns write them. */
const DAY_MS = 86_400_000;

export function addDays(day: string, days: number): string {
  return new Date(dayStartMs(day) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both included (1 when equal). */
export function daysBetween(from: string, to: string): number {
  return Math.round((dayStartMs(to) - dayStartMs(from)) / DAY_MS) + 1;
}

export function dayStartMs(day: string): number {
  const ms = Date.parse(`${day}T00:00:00.000Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(ms)) throw new RangeError(`not a UTC day (YYYY-MM-DD): ${JSON.stringify(day)}`);
  return ms;
}

/** The UTC day a millisecond timestamp falls on. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
