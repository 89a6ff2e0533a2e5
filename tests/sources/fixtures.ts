import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/coingecko/', import.meta.url));
export const MARKETS_RAW = 'coins_markets_usd_page1_per250_pcp-1h24h1y_precision-full_2025-02-09_raw.json';

export function fixtureText(name: string): string {
  return readFileSync(FIXTURES_DIR + name, 'utf8');
}

export function fixtureBytes(name: string): Buffer {
  return readFileSync(FIXTURES_DIR + name);
}

/** Every recorded `/coins/markets` response (not the headers file). */
export function marketsFixtures(): string[] {
  return readdirSync(FIXTURES_DIR).filter((name) => name.startsWith('coins_markets_') && !name.endsWith('_response_headers.json'));
}

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
