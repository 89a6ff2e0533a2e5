/**
 * Parsers for one CSV field of an import: exact decimals, ISO 8601 instants, ranks, identifiers.
 * Each returns the value for the unified schema or the problem in words (`expected a decimal
 * number, got "12,5"`); the caller prefixes the line and column. Nothing goes through a float:
 * decimals stay their text, and instants are rewritten as text in one canonical form, so two
 * spellings of one instant (`…T01:00+01:00`, `…T00:00Z`) are one snapshot. Fields reach these
 * parsers non-empty: an empty field is the caller's to treat as null or as missing.
 */
export type FieldResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

const ok = <T>(value: T): FieldResult<T> => ({ ok: true, value });
const problem = (text: string): FieldResult<never> => ({ ok: false, problem: text });

/** The field as the message shows it: quoted, so spaces are visible, and cut when long. */
function shown(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE]([+-]?\d+))?$/;
/** Postgres NUMERIC holds far more, but a bound keeps one absurd field from failing the whole load. */
const MAX_DECIMAL_LENGTH = 200;
const MAX_EXPONENT = 1000;

/** JSON number text (`12.5`, `-6.0e-05`); no thousands separators, no decimal commas, no `+`. */
export function parseDecimal(text: string, options: { readonly negative: boolean }): FieldResult<string> {
  const match = JSON_NUMBER.exec(text);
  if (match === null) return problem(`expected a decimal number like 1234.5 or 1.2e-7, got ${shown(text)}`);
  if (text.length > MAX_DECIMAL_LENGTH) return problem(`expected a decimal of at most ${MAX_DECIMAL_LENGTH} characters, got ${text.length}`);
  const exponent = match[1];
  if (exponent !== undefined && Math.abs(Number(exponent)) > MAX_EXPONENT) {
    return problem(`exponent out of range (at most ±${MAX_EXPONENT}), got ${shown(text)}`);
  }
  if (!options.negative && text.startsWith('-') && /[1-9]/.test(text.replace(/[eE].*$/, ''))) {
    return problem(`must not be negative, got ${shown(text)}`);
  }
  return ok(text);
}

const MAX_RANK = 2_147_483_647;

/** market_cap_rank: a whole number from 1 (Postgres integer). */
export function parseRank(text: string): FieldResult<number> {
  if (!/^[1-9]\d{0,9}$/.test(text) || Number(text) > MAX_RANK) return problem(`expected a whole number from 1 to ${MAX_RANK}, got ${shown(text)}`);
  return ok(Number(text));
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;
const MAX_OFFSET_MINUTES = 14 * 60;

/** An instant: its canonical text for Postgres and a key equal for equal instants. */
export interface Instant {
  readonly text: string;
  readonly key: string;
}

/**
 * ISO 8601 with `Z` or an offset (`2026-11-23T06:00:00Z`, `2026-11-23T07:00+01:00`); a date alone
 * (`2026-11-23`) is midnight UTC. A time without a zone is refused: it would be read in whatever
 * zone the database runs in. Fractions go to microseconds, Postgres' precision.
 */
export function parseInstant(text: string): FieldResult<Instant> {
  const expected = `expected an ISO 8601 time with Z or an offset (2026-11-23T06:00:00Z) or a date (2026-11-23), got ${shown(text)}`;
  const match = INSTANT.exec(text);
  if (match === null) return problem(expected);
  const [, yearText, monthText, dayText, hourText, minuteText, secondText = '00', fraction = '', zone] = match;
  if (hourText !== undefined && zone === undefined) return problem(`has no time zone: add Z or an offset like +00:00, got ${shown(text)}`);
  if (fraction.length > 6) return problem(`fractions of a second go to microseconds (6 digits), got ${shown(text)}`);
  const [year, month, day] = [Number(yearText), Number(monthText), Number(dayText)];
  const [hour, minute, second] = [Number(hourText ?? 0), Number(minuteText ?? 0), Number(secondText)];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    return problem(`not a real date and time: ${shown(text)}`);
  }
  const offsetMinutes = zoneMinutes(zone ?? 'Z');
  if (Math.abs(offsetMinutes) > MAX_OFFSET_MINUTES) return problem(`offset beyond ±14:00 in ${shown(text)}`);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute - offsetMinutes, second, 0);
  const micros = fraction.padEnd(6, '0');
  const canonicalFraction = /[1-9]/.test(micros) ? `.${micros}` : '';
  const canonical = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${canonicalFraction}${formatOffset(offsetMinutes)}`;
  return ok({ text: canonical, key: `${date.getTime()}.${micros}` });
}

/** The UTC text of an instant key, for messages: `2026-11-23T06:00:00Z`. */
export function instantKeyText(key: string): string {
  const [ms = '0', micros = '000000'] = key.split('.');
  const iso = new Date(Number(ms)).toISOString().slice(0, 19);
  return /[1-9]/.test(micros) ? `${iso}.${micros}Z` : `${iso}Z`;
}

function zoneMinutes(zone: string): number {
  if (zone === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
  return zone.startsWith('-') ? -minutes : minutes;
}

function formatOffset(minutes: number): string {
  if (minutes === 0) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const magnitude = Math.abs(minutes);
  return `${sign}${pad(Math.floor(magnitude / 60), 2)}:${pad(magnitude % 60, 2)}`;
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** A unified coin id (CoinGecko's: `bitcoin`, `usd-coin`): no spaces, no upper case. */
export function parseCoinId(text: string): FieldResult<string> {
  if (/\s/.test(text) || /[A-Z]/.test(text)) return problem(`expected a CoinGecko-style id (lower case, no spaces, like "usd-coin"), got ${shown(text)}`);
  return ok(text);
}

/** A symbol, stored lower case as the unified schema does (`BTC` becomes `btc`). */
export function parseSymbol(text: string): FieldResult<string> {
  if (/\s/.test(text)) return problem(`expected a symbol without spaces, got ${shown(text)}`);
  return ok(text.toLowerCase());
}

export function parseName(text: string): FieldResult<string> {
  if (text.trim() === '') return problem('required, got only spaces');
  if (text !== text.trim()) return problem(`has leading or trailing spaces: ${shown(text)}`);
  return ok(text);
}
