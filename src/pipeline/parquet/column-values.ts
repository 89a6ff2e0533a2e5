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
  return columns.map((spec) => {
    const values = new Array<ColumnValue>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      values[i] = toColumnValue((rows[i] as Row)[spec.name], spec, i);
    }
    return values;
  });
}
