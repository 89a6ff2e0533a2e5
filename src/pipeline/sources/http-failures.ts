/**
 * Classifying what went wrong with one HTTP attempt, and reading `Retry-After`.
 * Kept apart from the client so the rules are readable (and testable) on their own.
 */
import axios from 'axios';
import type { SourceFailure } from './source-errors.js';

/** Transport errors another attempt may fix: the peer reset or refused, DNS hiccup, broken pipe. */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_NETWORK',
  'ERR_BAD_RESPONSE',
  'UND_ERR_SOCKET',
]);

/** The host cannot be reached at all: no such name (or no DNS), nothing listening, no route. */
const UNREACHABLE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH']);

/** Statuses worth another attempt: rate limited, and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * Turns an error thrown by axios into a key-free failure, or null when the error is not a
 * transport failure (a bug, or a cancellation the caller must see as is).
 * Only `code` and axios's own message are kept: the axios error holds the request config,
 * headers included, so it is never attached as a `cause`.
 */
export function classifyTransportError(error: unknown): (SourceFailure & { retryable: boolean }) | null {
  if (!axios.isAxiosError(error) || error.code === 'ERR_CANCELED') return null;
  const code = error.code ?? 'UNKNOWN';
  // `transitional.clarifyTimeoutError` makes axios report its own timeout as ETIMEDOUT.
  if (code === 'ETIMEDOUT') return { kind: 'timeout', status: null, detail: error.message, retryable: true };
  const detail = error.message && !error.message.includes(code) ? `${code}: ${error.message}` : error.message || code;
  return { kind: UNREACHABLE_CODES.has(code) ? 'unreachable' : 'network', status: null, detail, retryable: TRANSIENT_NETWORK_CODES.has(code) };
}

/**
 * `Retry-After` in milliseconds from `now`: delta-seconds (`119`) or an HTTP date. Null when the
 * header is absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now.getTime());
}
