/**
 * Keyset pagination for the market-data API. A page is `WHERE (key) > (last key) ORDER BY key
 * LIMIT n`, over a key that is unique and backed by an index, so a page costs the same at row
 * 10 and at row 10 million, and rows written while a client pages never shift the pages it has
 * yet to read: each row that existed when paging started comes exactly once.
 *
 * The cursor is opaque to clients: base64url of `{s: sort, o: order, k: [key parts as text]}`.
 * Timestamps travel with microseconds (a JS Date would drop them and skip or repeat rows), and
 * every part is checked against its column's type before it reaches SQL, so a forged cursor is
 * a 400 (CURSOR_INVALID), never a database error.
 */
import { sql, type RawBuilder } from 'kysely';
import { StrataError } from '../../core/errors.js';

export type SortOrder = 'asc' | 'desc';
export type KeyType = 'text' | 'integer' | 'timestamptz' | 'date';

/** One part of a sort key: a constant SQL expression (never user input) and its type. */
export interface KeyPart {
  readonly expression: string;
  readonly type: KeyType;
}

export interface Page<Row> {
  readonly rows: readonly Row[];
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

export class CursorInvalidError extends StrataError {
  constructor(reason: string) {
    super('CURSOR_INVALID', `querystring.cursor: ${reason}; pass back next_cursor of the previous page`);
  }
}

export const keyPart = (expression: string, type: KeyType): KeyPart => ({ expression, type });

const TEXT_MAX = 1_000;
const INTEGER = /^-?\d{1,10}$/;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3})\d{3}Z$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function validPart(value: unknown, type: KeyType): value is string {
  if (typeof value !== 'string') return false;
  switch (type) {
    case 'text':
      return value.length <= TEXT_MAX && !value.includes('\u0000');
    case 'integer':
      return INTEGER.test(value) && Math.abs(Number(value)) <= 2_147_483_647;
    case 'timestamptz': {
      const millis = TIMESTAMP.exec(value)?.[1];
      return millis !== undefined && isRealInstant(`${millis}Z`);
    }
    case 'date':
      return DATE.test(value) && isRealInstant(`${value}T00:00:00.000Z`);
  }
}

/**
 * '2025-02-30' parses in JS as 2 March; only a string that round-trips names a real instant.
 * Postgres has no year 0 (JS does), so years start at 1.
 */
function isRealInstant(iso: string): boolean {
  const time = Date.parse(iso);
  return Number.isFinite(time) && new Date(time).toISOString() === iso && !iso.startsWith('0000');
}

export function encodeCursor(sort: string, order: SortOrder, key: readonly string[]): string {
  return Buffer.from(JSON.stringify({ s: sort, o: order, k: key })).toString('base64url');
}

/** The key parts of a cursor made by a page of the same sort and order; throws CursorInvalidError. */
export function decodeCursor(cursor: string, sort: string, order: SortOrder, parts: readonly KeyPart[]): string[] {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new CursorInvalidError('not a cursor of this API');
  }
  if (typeof body !== 'object' || body === null || !('k' in body) || !Array.isArray(body.k)) {
    throw new CursorInvalidError('not a cursor of this API');
  }
  const { s, o, k } = body as { s?: unknown; o?: unknown; k: unknown[] };
  if (s !== sort || o !== order) {
    throw new CursorInvalidError(`it was made for sort=${String(s).slice(0, 40)} order=${String(o).slice(0, 10)}, not sort=${sort} order=${order}`);
  }
  if (k.length !== parts.length || !k.every((value, index) => validPart(value, (parts[index] as KeyPart).type))) {
    throw new CursorInvalidError('its key does not fit this listing');
  }
  return k as string[];
}

/** Key parts selected as text, aliased `_k0`, `_k1`, …, for the next cursor. */
export function keySelection(parts: readonly KeyPart[]): RawBuilder<unknown> {
  return sql.join(parts.map((part, index) => sql`${keyText(part)} AS ${sql.ref(`_k${index}`)}`));
}

function keyText(part: KeyPart): RawBuilder<unknown> {
  const expression = sql.raw(part.expression);
  switch (part.type) {
    case 'timestamptz':
      return sql`to_char(${expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
    case 'date':
      return sql`to_char(${expression}, 'YYYY-MM-DD')`;
    default:
      return sql`${expression}::text`;
  }
}

/** `(a, b) > ($1::t, $2::t)` for asc, `<` for desc: the rows after the cursor's key. */
export function afterKey(parts: readonly KeyPart[], order: SortOrder, key: readonly string[]): RawBuilder<unknown> {
  const columns = sql.join(parts.map((part) => sql.raw(part.expression)));
  const values = sql.join(parts.map((part, index) => sql`${key[index]}::${sql.raw(part.type)}`));
  return sql`(${columns}) ${sql.raw(order === 'asc' ? '>' : '<')} (${values})`;
}

export function orderByKey(parts: readonly KeyPart[], order: SortOrder): RawBuilder<unknown> {
  const direction = sql.raw(order === 'asc' ? 'ASC' : 'DESC');
  return sql.join(parts.map((part) => sql`${sql.raw(part.expression)} ${direction}`));
}

/**
 * A page from `limit + 1` rows fetched in key order: the extra row only says there is more.
 * The `_k*` columns become the next cursor and are dropped from the rows.
 */
export function toPage<Row>(fetched: readonly Record<string, unknown>[], limit: number, sort: string, order: SortOrder, parts: readonly KeyPart[]): Page<Row> {
  const rows = fetched.slice(0, limit).map((row) => {
    const copy = { ...row };
    parts.forEach((_, index) => delete copy[`_k${index}`]);
    return copy as Row;
  });
  const last = fetched[limit - 1];
  const nextCursor =
    fetched.length > limit && last !== undefined ? encodeCursor(sort, order, parts.map((_, index) => String(last[`_k${index}`]))) : null;
  return { rows, nextCursor };
}
