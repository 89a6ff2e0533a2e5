import { parquetWriteBuffer } from 'hyparquet-writer';
import type { BasicType, ColumnSource } from 'hyparquet-writer';
import type { ColumnSpec, ColumnType } from './column-spec.js';
import { toColumns } from './column-values.js';

/**
 * Turns rows into one Parquet file in memory, so the bronze store can put the bytes atomically.
 * Chosen implementation: hyparquet-writer (pure JS, maintained); see bench/results/parquet.md.
 */
export interface ParquetWriter {
  writeParquet<Row extends object>(rows: readonly Row[], columns: readonly ColumnSpec<Row>[]): Promise<Uint8Array>;
}

const PARQUET_TYPE: Record<ColumnType, BasicType> = { string: 'STRING', double: 'DOUBLE', json: 'JSON' };

export function createParquetWriter(): ParquetWriter {
  return {
    async writeParquet(rows, columns) {
      const values = toColumns(rows, columns);
      const columnData: ColumnSource[] = columns.map((spec, i) => ({
        name: spec.name,
        data: values[i] ?? [],
        type: PARQUET_TYPE[spec.type],
      }));
      // One row group: a snapshot is at most tens of thousands of rows, read whole by silver.
      return new Uint8Array(parquetWriteBuffer({ columnData, rowGroupSize: Math.max(rows.length, 1) }));
    },
  };
}
