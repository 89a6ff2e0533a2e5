/** How values read on a page: times in UTC, durations, counts, metadata values. */

/** `2026-11-23 06:00:12Z`: UTC, to the second, sortable. */
export function formatTime(at: Date | null | undefined): string {
  if (at === null || at === undefined) return '–';
  return at.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

/** `820 ms`, `12.4 s`, `3 min 05 s`, `2 h 10 min`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** How long ago `at` was, relative to `now`: `5 min ago`, `in 2 h`. */
export function formatRelative(at: Date, now: Date): string {
  const ms = at.getTime() - now.getTime();
  const text = formatDuration(Math.abs(ms)).replace(/ \d+ s$/, '').replace(/ \d+ min$/, '');
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

/** `1,234,567` for integers, up to 4 significant decimals otherwise. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value.toLocaleString('en-US', { maximumFractionDigits: Math.abs(value) < 1 ? 6 : 2 });
}

/** `$1.23 T`, `$456.7 B`, `$12.3 M`: compact money for chart labels. */
export function formatCompactUsd(value: number): string {
  const abs = Math.abs(value);
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'K']];
  for (const [size, unit] of units) if (abs >= size) return `$${(value / size).toFixed(abs / size >= 100 ? 0 : 1)} ${unit}`;
  return `$${formatNumber(value)}`;
}

/** A metadata value as text: numbers grouped, the rest as stored. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
