/** Reads the pipeline's SQL from the repository's `sql/` folder, once per file per process. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SQL_DIR = fileURLToPath(new URL('../../sql/', import.meta.url));
export const PIPELINE_MIGRATIONS_DIR = `${SQL_DIR}migrations`;
export const PIPELINE_MIGRATION_TABLE = 'pipeline_migrations';

const cache = new Map<string, string>();

/** `loadSql('gold/market_segment_analysis.sql')`. */
export function loadSql(relativePath: string): string {
  let text = cache.get(relativePath);
  if (text === undefined) {
    text = readFileSync(`${SQL_DIR}${relativePath}`, 'utf8');
    cache.set(relativePath, text);
  }
  return text;
}
