/**
 * CSV encoding for COPY … FROM (FORMAT csv): an unquoted empty field is NULL, every string is
 * quoted, so an empty string and NULL stay distinct.
 */
export type CsvValue = string | number | null | undefined;

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  // Most strings hold no quote: wrapping them is all they need, with no scan-and-copy.
  return value.includes('"') ? `"${value.replaceAll('"', '""')}"` : `"${value}"`;
}

/** One CSV line; concatenates without an intermediate array (this runs once per row loaded). */
export function csvLine(values: readonly CsvValue[]): string {
  let line = values.length > 0 ? csvField(values[0]) : '';
  for (let i = 1; i < values.length; i++) line += `,${csvField(values[i])}`;
  return `${line}\n`;
}
