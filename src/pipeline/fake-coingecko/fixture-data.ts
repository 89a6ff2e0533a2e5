/**
 * The recorded CoinGecko responses the fake serves, loaded once per fake instance (never at
 * import time). Rows are kept as their exact source text so page 1 is the recording byte for byte.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isJsonObject, parseLosslessJson, splitJsonArray, type JsonObject } from '../sources/lossless-json.js';

export const MARKETS_FIXTURE = 'coins_markets_usd_page1_per250_pcp-1h24h1y_precision-full_2025-02-09_raw.json';
export const GLOBAL_FIXTURE = 'global_2025-04-07.json';
export const RATE_LIMIT_FIXTURE = 'error_429_body_2022-09-29.json';

/** The repository's recorded fixtures (see tests/fixtures/coingecko/SOURCES.md). */
export const DEFAULT_FIXTURES_DIR = fileURLToPath(new URL('../../../tests/fixtures/coingecko/', import.meta.url));

export interface FixtureData {
  /** The recorded 250-row page, byte for byte. */
  readonly marketsBody: Buffer;
  /** Source text of each recorded row, in order. */
  readonly rowTexts: readonly string[];
  /** The same rows parsed losslessly, to derive synthetic rows from. */
  readonly rows: readonly JsonObject[];
  readonly globalBody: Buffer;
  /** CoinGecko's real 429 body (187 bytes, as the recording's log reports it). */
  readonly rateLimitBody: Buffer;
}

export function loadFixtureData(dir: string = DEFAULT_FIXTURES_DIR): FixtureData {
  const marketsBody = readFileSync(join(dir, MARKETS_FIXTURE));
  const rowTexts = splitJsonArray(marketsBody.toString('utf8'));
  const rows = rowTexts.map((text, index) => {
    const row = parseLosslessJson(text);
    if (!isJsonObject(row)) throw new Error(`${MARKETS_FIXTURE}: row ${index} is not an object`);
    return row;
  });
  // The saved file gained a trailing newline; the body on the wire had none.
  const rateLimitText = readFileSync(join(dir, RATE_LIMIT_FIXTURE), 'utf8').replace(/\n$/, '');
  return {
    marketsBody,
    rowTexts,
    rows,
    globalBody: readFileSync(join(dir, GLOBAL_FIXTURE)),
    rateLimitBody: Buffer.from(rateLimitText, 'utf8'),
  };
}
