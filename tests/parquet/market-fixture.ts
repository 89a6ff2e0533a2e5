import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MarketRow } from '../../src/pipeline/parquet/index.js';

export const MARKETS_FIXTURE = fileURLToPath(
  new URL(
    '../fixtures/coingecko/coins_markets_usd_page1_per250_pcp-1h24h1y_precision-full_2025-02-09_raw.json',
    import.meta.url,
  ),
);

/**
 * Parses a `/coins/markets` page the way the client hands rows over: every number that is a
 * direct field of a row becomes its exact source text (`-6.0e-05` stays `'-6.0e-05'`), while
 * nested values such as `roi` stay ordinary JSON.
 */
export function parseMarketRows(text: string): MarketRow[] {
  const parsed: unknown = JSON.parse(quoteRowNumbers(text));
  if (!Array.isArray(parsed) || !parsed.every(isRowLike)) {
    throw new Error('expected a JSON array of objects with a string id');
  }
  return parsed as MarketRow[];
}

export function loadMarketFixture(): { text: string; rows: MarketRow[] } {
  const text = readFileSync(MARKETS_FIXTURE, 'utf8');
  return { text, rows: parseMarketRows(text) };
}

function isRowLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string';
}

// Depth 2 is a field of a row inside the top-level array; deeper numbers (roi) are left alone.
function quoteRowNumbers(text: string): string {
  let out = '';
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const match = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
      const token = match?.[0] ?? c;
      out += depth === 2 ? `"${token}"` : token;
      i += token.length;
    } else {
      if (c === '[' || c === '{') depth++;
      if (c === ']' || c === '}') depth--;
      out += c;
      i++;
    }
  }
  return out;
}
