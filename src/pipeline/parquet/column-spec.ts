/**
 * How one row field becomes one Parquet column.
 * - `string`: UTF8 text, stored as given.
 * - `double`: decimal text (or a number) converted to DOUBLE; the exact source text is not kept
 *   here because bronze keeps the raw JSON pages byte for byte.
 * - `json`: any JSON value (e.g. CoinGecko's `roi` object) serialized to a UTF8 JSON string,
 *   by `encode` when given, else `JSON.stringify`.
 * Every column is nullable: a null or absent field is written as a Parquet null.
 */
export type ColumnType = 'string' | 'double' | 'json';

export interface ColumnSpec<Row extends object> {
  readonly name: keyof Row & string;
  readonly type: ColumnType;
  readonly encode?: (value: unknown) => string;
}
