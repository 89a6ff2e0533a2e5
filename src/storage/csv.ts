/**
 * CSV encoding for COPY … FROM (FORMAT csv): an unquoted empty field is NULL, every string is
 * quoted, so an empty string and NULL stay distinct.
 */
export type CsvValue = string | number | null | undefined;

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  return `"${value.replaceAll('"', '""')}"`;
}

export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(',')}\n`;
}
