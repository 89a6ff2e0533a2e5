/**
 * One set of type parsers for both engines, so a row reads the same whether it came from
 * node-postgres or PGlite. Only types whose defaults differ (or matter) are listed:
 * - int8 (bigserial ids, count(*)) -> number. pg's default is a string; PGlite returns a
 *   BigInt beyond 2^53. Our int8 values are ids and counts, far below 2^53.
 * - numeric -> string, so prices and market caps stay exact (both defaults already agree).
 * - date -> 'YYYY-MM-DD' string: pg's default makes a Date at local midnight, which shifts
 *   the day in any timezone west of UTC.
 * - timestamp (without time zone) -> Date read as UTC: pg's default reads it as local time.
 * timestamptz -> Date and json/jsonb -> parsed value are the defaults of both engines.
 */
import pg from 'pg';

export type TextParser = (value: string) => unknown;

export const PG_TYPE_OIDS = Object.freeze({
  int8: 20,
  numeric: 1700,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  json: 114,
  jsonb: 3802,
});

function parseUtcTimestamp(value: string): Date {
  // '2026-11-23 06:00:00.123' -> ISO with an explicit UTC offset.
  return new Date(`${value.replace(' ', 'T')}Z`);
}

export const TEXT_PARSERS: Readonly<Record<number, TextParser>> = Object.freeze({
  [PG_TYPE_OIDS.int8]: (value: string) => Number(value),
  [PG_TYPE_OIDS.numeric]: (value: string) => value,
  [PG_TYPE_OIDS.date]: (value: string) => value,
  [PG_TYPE_OIDS.timestamp]: parseUtcTimestamp,
});

/**
 * node-postgres `types` option for one pool: our parsers first, pg's defaults otherwise.
 * Per pool rather than `pg.types.setTypeParser`, which would change every pool in the process.
 */
export const pgTypeOverrides = Object.freeze({
  getTypeParser(oid: number, format?: 'text' | 'binary'): TextParser {
    const ours = format === 'binary' ? undefined : TEXT_PARSERS[oid];
    return ours ?? (pg.types.getTypeParser(oid, format ?? 'text') as TextParser);
  },
});
