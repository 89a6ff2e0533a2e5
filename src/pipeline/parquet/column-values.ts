import { ValidationError } from '../../index.js';
import type { ColumnSpec, ColumnType } from './column-spec.js';

export type ColumnValue = string | number | null;

// Same grammar as a JSON number token, so `'1e5'` passes and `'0x10'`, `''`, `' 1'` do not.
const DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Converts one field per its column type; names the row and column when the value is bad. */
export function toColumnValue(
  value: unknown,
  spec: { readonly name: string; readonly type: ColumnType; readonly encode?: (value: unknown) => string },
  rowIndex: number,
): ColumnValue {
  if (value === null || value === undefined) return null;
  switch (spec.type) {
    case 'string':
      if (typeof value === 'string') return value;
      break;
    case 'double':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typeof value === 'string' && DECIMAL.test(value)) {
        const parsed = Number(value);
        if (Number.isFinite(parsed)) return parsed;
      }
      break;
    case 'json':
      return spec.encode === undefined ? JSON.stringify(value) : spec.encode(value);
  }
  throw new ValidationError(
    `row ${rowIndex}, column ${spec.name}: expected ${spec.type}, got ${JSON.stringify(value)}`,
  );
}

/** Rows to column arrays: the layout every columnar writer wants. */
export function toColumns<Row extends object>(
  rows: readonly Row[],
  columns: readonly ColumnSpec<Row>[],
): ColumnValue[][] {
  const buffer = createColumnBuffer(columns);
  for (const row of rows) buffer.push(row);
  return buffer.values;
}

/**
 * Column arrays filled one row at a time, so a caller can drop each row (each page of rows)
 * once it is pushed: a snapshot's rows are held as column values, not as row objects.
 */
export interface ColumnBuffer<Row extends object> {
  readonly columns: readonly ColumnSpec<Row>[];
  readonly values: ColumnValue[][];
  readonly rows: number;
  /** Converts the row's fields per their column type; throws ValidationError naming row and column. */
  push(row: Row): void;
}

export function createColumnBuffer<Row extends object>(columns: readonly ColumnSpec<Row>[]): ColumnBuffer<Row> {
  const values = columns.map((): ColumnValue[] => []);
  let rows = 0;
  return {
    columns,
    values,
    get rows() {
      return rows;
    },
    push(row) {
      // Converted in full before any column grows, so a bad row leaves the columns aligned.
      const converted = columns.map((spec) => toColumnValue(row[spec.name], spec, rows));
      converted.forEach((value, i) => (values[i] as ColumnValue[]).push(value));
      rows++;
    },
  };
}
