/**
 * The columns of an import CSV and its header line. The header is required, its order is free and
 * names are case-sensitive; a column Strata does not know is an error listing the expected ones,
 * never silently ignored (a typo would otherwise drop a whole column of data).
 */
import { ValidationError } from '../../index.js';

export const REQUIRED_COLUMNS = ['coin_id', 'snapshot_at', 'symbol', 'name', 'price_usd'] as const;

export const OPTIONAL_COLUMNS = [
  'market_cap_usd',
  'total_volume_usd',
  'market_cap_rank',
  'circulating_supply',
  'total_supply',
  'max_supply',
  'price_change_percentage_24h',
  'last_updated',
] as const;

export type ImportColumn = (typeof REQUIRED_COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number];

const KNOWN: ReadonlySet<string> = new Set<string>([...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS]);

export const EXPECTED_COLUMNS_TEXT = `expected columns: ${REQUIRED_COLUMNS.join(', ')} (required); ${OPTIONAL_COLUMNS.join(', ')} (optional)`;

/** The header line: each known column's position, and the names in file order (for raw rows). */
export interface CsvHeader {
  readonly names: readonly string[];
  readonly positions: ReadonlyMap<ImportColumn, number>;
}

/** Throws a ValidationError naming the file, line 1 and the offending column. */
export function parseHeader(fileName: string, names: readonly string[]): CsvHeader {
  const fail = (problem: string) => new ValidationError(`${fileName} line 1: ${problem}; ${EXPECTED_COLUMNS_TEXT}`);
  const positions = new Map<ImportColumn, number>();
  names.forEach((name, index) => {
    if (name === '') throw fail(`column ${index + 1} of the header has no name`);
    if (!KNOWN.has(name)) throw fail(`unknown column ${JSON.stringify(name)} (names are case-sensitive)`);
    if (positions.has(name as ImportColumn)) throw fail(`column ${JSON.stringify(name)} appears twice`);
    positions.set(name as ImportColumn, index);
  });
  const missing = REQUIRED_COLUMNS.filter((column) => !positions.has(column));
  if (missing.length > 0) throw fail(`missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  return { names, positions };
}
