export type { ColumnType } from './column-spec.js';
export { createColumnBuffer, toColumns } from './column-values.js';
export { MARKET_ROW_COLUMNS, roiToJson, type MarketRow } from './market-row.js';
export { createParquetWriter, type ParquetWriter } from './parquet-writer.js';
