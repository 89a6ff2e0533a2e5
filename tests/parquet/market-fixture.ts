import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseMarketRow, type MarketRow } from '../../src/pipeline/sources/coingecko-schemas.js';
import { parseLosslessJson } from '../../src/pipeline/sources/lossless-json.js';

export const MARKETS_FIXTURE = fileURLToPath(
  new URL(
    '../fixtures/coingecko/coins_markets_usd_page1_per250_pcp-1h24h1y_precision-full_2025-02-09_raw.json',
    import.meta.url,
  ),
);

/** The 250 real rows as the client hands them over: validated, decimals as exact source text. */
export function loadMarketFixture(): { text: string; rows: MarketRow[] } {
  const text = readFileSync(MARKETS_FIXTURE, 'utf8');
  const raw = parseLosslessJson(text);
  if (!Array.isArray(raw)) throw new Error(`${MARKETS_FIXTURE}: expected a JSON array`);
  const rows = raw.map((item, i) => {
    const result = parseMarketRow(item);
    if (!result.ok) throw new Error(`${MARKETS_FIXTURE} row ${i}: ${result.reason}`);
    return result.row;
  });
  return { text, rows };
}
