import { parquetWriteBuffer } from 'hyparquet-writer';
import type { BasicType, ColumnSource } from 'hyparquet-writer';
import type { ColumnSpec, ColumnType } from './column-spec.js';
import { toColumns, type ColumnBuffer, type ColumnValue } from './column-values.js';

/**
 * Turns rows into one Parquet file in memory, so the bronze store can put the bytes atomically.
 * The file is the convenient analytical copy: decimals become DOUBLE, and exact decimal text
 * lives in the raw JSON pages that bronze keeps byte for byte (and in silver's NUMERIC columns).
 */
export interface ParquetWriter {
  writeParquet<Row extends object>(rows: readonly Row[], columns: readonly ColumnSpec<Row>[]): Promise<Uint8Array>;
  /** The same file from rows already turned into columns (`createColumnBuffer`). */
  writeColumns<Row extends object>(buffer: ColumnBuffer<Row>): Promise<Uint8Array>;
}

// JSON columns are already serialized, so plain UTF8: hyparquet's JSON type would stringify them
// again, and readers need no JSON extension to get the text.
const PARQUET_TYPE: Record<ColumnType, BasicType> = { string: 'STRING', double: 'DOUBLE', json: 'STRING' };

/**
 * hyparquet-writer: pure JS, maintained, fastest of the measured candidates whose files DuckDB
 * reads back exactly (bench/results/parquet.md).
 *
 * @example
 * const bytes = await createParquetWriter().writeParquet(rows, MARKET_ROW_COLUMNS);
 * await writer.put('coins_markets.parquet', bytes);
 */
export function createParquetWriter(): ParquetWriter {
  return {
    async writeParquet(rows, columns) {
      return writeColumnValues(toColumns(rows, columns), columns, rows.length);
    },
    async writeColumns(buffer) {
      return writeColumnValues(buffer.values, buffer.columns, buffer.rows);
    },
  };
}

function writeColumnValues<Row extends object>(values: readonly ColumnValue[][], columns: readonly ColumnSpec<Row>[], rows: number): Uint8Array {
  const columnData: ColumnSource[] = columns.map((spec, i) => ({
    name: spec.name,
    data: values[i] ?? [],
    type: PARQUET_TYPE[spec.type],
  }));
  // One row group: a snapshot is at most tens of thousands of rows, read whole by silver.
  return new Uint8Array(parquetWriteBuffer({ columnData, rowGroupSize: Math.max(rows, 1) }));
}
