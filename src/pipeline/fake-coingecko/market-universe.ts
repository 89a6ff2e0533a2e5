/**
 * The fake's coin universe: the 250 recorded rows, then as many synthetic copies as `coins`
 * asks for (CoinGecko lists ~15,000). Copy k (k = 1, 2, …) of recorded row r has id
 * `<id>-<k+1>`, name `<name> <k+1>`, rank `rank + 250·k`, and market cap, FDV, volume and market
 * cap change divided by k+1, so sizes fall as ranks rise. Everything else is the recorded text:
 * deterministic, and with the same quirks (nulls, exponent notation, duplicate symbols).
 */
import { JsonNumber, stringifyLosslessJson, type JsonObject } from '../sources/lossless-json.js';
import type { FixtureData } from './fixture-data.js';

const SCALED_FIELDS = ['market_cap', 'fully_diluted_valuation', 'total_volume', 'market_cap_change_24h'] as const;

export interface MarketUniverse {
  readonly size: number;
  /** The JSON text of the page, as CoinGecko pages it (1-based; past the end: `[]`). */
  pageBody(page: number, perPage: number): Buffer;
  /** The row of the coin with this id, recorded or synthetic; undefined outside the universe. */
  coin(id: string): JsonObject | undefined;
}

export function createMarketUniverse(data: FixtureData, coins: number): MarketUniverse {
  if (!Number.isInteger(coins) || coins < 0) throw new RangeError(`coins must be an integer >= 0, got ${coins}`);
  const recorded = data.rowTexts.length;

  const rowText = (index: number): string => {
    if (index < recorded) return data.rowTexts[index] as string;
    const copy = Math.floor(index / recorded);
    return stringifyLosslessJson(synthesize(data.rows[index % recorded] as JsonObject, copy, recorded));
  };
  const recordedIndex = new Map<string, number>();
  data.rows.forEach((row, index) => {
    if (typeof row['id'] === 'string' && !recordedIndex.has(row['id'])) recordedIndex.set(row['id'], index);
  });
  const indexOf = (id: string): number | undefined => {
    const direct = recordedIndex.get(id);
    if (direct !== undefined) return direct < coins ? direct : undefined;
    const match = /^(.+)-([1-9]\d*)$/.exec(id);
    const row = match ? recordedIndex.get(match[1] as string) : undefined;
    if (match === null || row === undefined) return undefined;
    const index = (Number(match[2]) - 1) * recorded + row;
    return index >= recorded && index < coins ? index : undefined;
  };

  // Pages are deterministic: each is made once, so the fake answers a repeated page (every
  // six-hourly run, every bench run) without the ~50 ms of making it again.
  const pages = new Map<string, Buffer>();
  const makePage = (page: number, perPage: number): Buffer => {
    const start = (page - 1) * perPage;
    const end = Math.min(coins, start + perPage);
    const texts: string[] = [];
    for (let index = start; index < end; index++) texts.push(rowText(index));
    return Buffer.from(`[${texts.join(',')}]`, 'utf8');
  };

  return {
    size: coins,
    pageBody(page: number, perPage: number): Buffer {
      // The recording itself, untouched, whenever the request is the recorded one.
      if (page === 1 && perPage === recorded && coins >= recorded) return data.marketsBody;
      const key = `${page}/${perPage}`;
      let body = pages.get(key);
      if (body === undefined) {
        body = makePage(page, perPage);
        pages.set(key, body);
      }
      return body;
    },
    coin(id: string): JsonObject | undefined {
      const index = indexOf(id);
      if (index === undefined) return undefined;
      const row = data.rows[index % recorded] as JsonObject;
      return index < recorded ? row : synthesize(row, Math.floor(index / recorded), recorded);
    },
  };
}

function synthesize(row: JsonObject, copy: number, recorded: number): JsonObject {
  const suffix = copy + 1;
  const out: JsonObject = { ...row };
  if (typeof row['id'] === 'string') out['id'] = `${row['id']}-${suffix}`;
  if (typeof row['name'] === 'string') out['name'] = `${row['name']} ${suffix}`;
  const rank = row['market_cap_rank'];
  if (rank instanceof JsonNumber) out['market_cap_rank'] = new JsonNumber(String(Number(rank.source) + recorded * copy));
  for (const field of SCALED_FIELDS) {
    const value = row[field];
    if (value instanceof JsonNumber) out[field] = new JsonNumber(scaled(value.source, suffix));
  }
  return out;
}

/** `source / divisor`, rounded to an integer when the source is one (caps and volumes usually are). */
function scaled(source: string, divisor: number): string {
  const value = Number(source) / divisor;
  const text = /^-?\d+$/.test(source) ? String(Math.round(value)) : String(value);
  // String() may write `1e-7`, valid JSON; `-0` would not match CoinGecko's style.
  return text === '-0' ? '0' : text;
}
