/**
 * The fake's `/coins/{id}/market_chart/range`: a synthetic but deterministic history per coin,
 * so a test can ask for any range and always get the same value for the same (coin, time).
 *
 * Each coin's series swings around its current price, market cap and volume in the universe
 * (a weekly wave plus a small hashed wobble). Granularity follows CoinGecko: a range up to one
 * day is 5-minutely, up to 90 days hourly, longer ranges daily at 00:00 UTC. Like the real API,
 * 5-minutely and hourly points sit a few seconds after their slot (a per-slot hashed offset),
 * nothing after `now` is served, and the body is compact JSON whose numbers are JavaScript's
 * shortest float text (`27935.45095504778`) with timestamps as integer milliseconds.
 */
import { createHash } from 'node:crypto';
import { JsonNumber, type JsonObject } from '../sources/lossless-json.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

/** The values a coin's series swings around: its row in the fake's universe. */
export interface ChartBase {
  readonly id: string;
  readonly price: number;
  readonly marketCap: number;
  readonly volume: number;
}

export function chartBaseOf(row: JsonObject): ChartBase | undefined {
  const id = row['id'];
  if (typeof id !== 'string') return undefined;
  return { id, price: numberOf(row['current_price']), marketCap: numberOf(row['market_cap']), volume: numberOf(row['total_volume']) };
}

/** Milliseconds between points for a range of `spanMs`, as CoinGecko picks them. */
export function granularityMs(spanMs: number): number {
  if (spanMs <= DAY_MS) return 5 * MINUTE_MS;
  if (spanMs <= 90 * DAY_MS) return HOUR_MS;
  return DAY_MS;
}

/** The JSON body for `[fromMs, toMs]` (both included), cut at `nowMs`. */
export function marketChartBody(base: ChartBase, fromMs: number, toMs: number, nowMs: number): Buffer {
  const step = granularityMs(toMs - fromMs);
  const last = Math.min(toMs, nowMs);
  const prices: string[] = [];
  const caps: string[] = [];
  const volumes: string[] = [];
  for (let slot = Math.ceil(fromMs / step) * step; slot <= last; slot += step) {
    const at = step === DAY_MS ? slot : slot + offsetMs(base.id, slot);
    if (at > last) break;
    const factor = priceFactor(base.id, slot);
    prices.push(`[${at},${float(base.price * factor)}]`);
    caps.push(`[${at},${float(base.marketCap * factor)}]`);
    volumes.push(`[${at},${float(base.volume * volumeFactor(base.id, slot))}]`);
  }
  return Buffer.from(`{"prices":[${prices.join(',')}],"market_caps":[${caps.join(',')}],"total_volumes":[${volumes.join(',')}]}`, 'utf8');
}

function priceFactor(id: string, slot: number): number {
  const phase = unit(id, 0) * 2 * Math.PI;
  return 1 + 0.08 * Math.sin((2 * Math.PI * slot) / WEEK_MS + phase) + 0.01 * (unit(id, slot) - 0.5);
}

function volumeFactor(id: string, slot: number): number {
  return 0.6 + 0.8 * unit(`${id}/volume`, slot);
}

/** 0 ≤ offset < 60 s: real points land a little after the slot. */
function offsetMs(id: string, slot: number): number {
  return Math.floor(unit(`${id}/offset`, slot) * MINUTE_MS);
}

/** A uniform number in [0, 1) from (key, slot), the same in every process. */
function unit(key: string, slot: number): number {
  return createHash('sha256').update(`${key}@${slot}`).digest().readUInt32BE(0) / 2 ** 32;
}

/** JavaScript's shortest round-trip text, as CoinGecko's JSON has it; never `-0`. */
function float(value: number): string {
  return Object.is(value, -0) ? '0' : String(value);
}

function numberOf(value: unknown): number {
  return value instanceof JsonNumber ? Number(value.source) : 0;
}
