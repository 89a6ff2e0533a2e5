/**
 * The maintained coin-id mapping tables: `coin-maps/<source>.csv`, one provider coin per line
 * (`coinpaprika_id,coingecko_id`), read and checked on every load so an edit takes effect on the
 * next run. The mapping is one to one: a provider id mapped twice, or two provider ids mapped to
 * one unified id, is a conflict, reported with both line numbers (silver.coin_id_map's keys would
 * refuse it anyway, without saying where). Blank lines and `#` comments are allowed.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ValidationError } from '../../../index.js';

export const COIN_MAPS_DIR = fileURLToPath(new URL('./', import.meta.url));

/** Ids as the providers write them: lower case, digits, `-`, `.`, `_`, `+`; no spaces, commas or quotes. */
const COIN_ID = /^[a-z0-9][a-z0-9._+-]*$/;
/** How many problems one error lists before "and N more". */
const MAX_LISTED = 20;

export interface CoinMapEntry {
  readonly sourceCoinId: string;
  readonly coinId: string;
  /** 1-based line in the file. */
  readonly line: number;
}

/** Reads and checks `coin-maps/<source>.csv`. */
export async function readCoinMap(source: string, dir: string = COIN_MAPS_DIR): Promise<CoinMapEntry[]> {
  const fileName = `${source}.csv`;
  return parseCoinMap(await readFile(`${dir}${fileName}`, 'utf8'), fileName, source);
}

/**
 * Parses a mapping file's text; throws one ValidationError listing every malformed line and
 * every conflict, each with its line numbers.
 */
export function parseCoinMap(text: string, fileName: string, source: string): CoinMapEntry[] {
  const header = `${source}_id,coingecko_id`;
  const lines = text.split(/\r?\n/);
  const problems: string[] = [];
  if (lines[0]?.trim() !== header) problems.push(`line 1: expected the header '${header}', got '${lines[0] ?? ''}'`);

  const entries: CoinMapEntry[] = [];
  const bySourceId = new Map<string, CoinMapEntry>();
  const byCoinId = new Map<string, CoinMapEntry>();
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (line === 1 || trimmed === '' || trimmed.startsWith('#')) return;
    const fields = trimmed.split(',').map((field) => field.trim());
    if (fields.length !== 2) {
      problems.push(`line ${line}: expected 2 fields (${header}), got ${fields.length}: '${trimmed}'`);
      return;
    }
    const [sourceCoinId, coinId] = fields as [string, string];
    const bad = fields.filter((field) => !COIN_ID.test(field));
    if (bad.length > 0) {
      problems.push(`line ${line}: ${bad.map((field) => `'${field}'`).join(' and ')} is not a coin id (lower-case letters, digits, - . _ +)`);
      return;
    }
    const entry = { sourceCoinId, coinId, line };
    const sameSource = bySourceId.get(sourceCoinId);
    const sameCoin = byCoinId.get(coinId);
    if (sameSource !== undefined) {
      problems.push(`lines ${sameSource.line} and ${line} both map ${source} id '${sourceCoinId}' (to '${sameSource.coinId}' and '${coinId}')`);
    } else if (sameCoin !== undefined) {
      problems.push(`lines ${sameCoin.line} and ${line} both map to coingecko id '${coinId}' (from '${sameCoin.sourceCoinId}' and '${sourceCoinId}')`);
    } else {
      bySourceId.set(sourceCoinId, entry);
      byCoinId.set(coinId, entry);
      entries.push(entry);
    }
  });

  if (problems.length > 0) {
    const listed = problems.slice(0, MAX_LISTED).join('; ');
    const more = problems.length > MAX_LISTED ? `; and ${problems.length - MAX_LISTED} more` : '';
    throw new ValidationError(`coin map ${fileName}: ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${listed}${more}`);
  }
  return entries;
}
