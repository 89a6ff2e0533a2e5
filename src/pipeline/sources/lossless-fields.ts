/**
 * zod building blocks shared by the providers' row schemas (coingecko-schemas.ts,
 * coinpaprika-schemas.ts), over lossless JSON: numbers leave as their exact source text, and
 * every failure says what the field held (`expected a number or null, got string "12.5"`).
 */
import { z } from 'zod';
import { JsonNumber } from './lossless-json.js';

export function describeInput(input: unknown): string {
  if (input === undefined) return 'nothing (field missing)';
  if (input === null) return 'null';
  if (input instanceof JsonNumber) return `number ${input.source}`;
  if (typeof input === 'string') return `string ${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)}`;
  if (typeof input === 'number') return `JS number ${input} (parse the body with parseLosslessJson to keep its text)`;
  if (Array.isArray(input)) return 'array';
  return typeof input;
}

export const expected = (what: string) => (issue: { input?: unknown }) => `expected ${what}, got ${describeInput(issue.input)}`;

/** A JSON number or null, output as its exact source text. */
export const nullableDecimal = z
  .custom<JsonNumber | null>((v) => v === null || v instanceof JsonNumber, { error: expected('a number or null') })
  .transform((n) => (n === null ? null : n.source));

export const text = z.string({ error: expected('a string') });
export const nonEmptyText = text.min(1, { error: 'expected a non-empty string' });
export const nullableTimestamp = z.iso.datetime({ offset: true, error: expected('an ISO 8601 timestamp or null') }).nullable();

/** `quotes.USD.price: expected a number or null, got …; id: …` */
export function formatIssues(error: z.ZodError): string {
  return error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
}
