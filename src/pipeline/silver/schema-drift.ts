/**
 * Schema drift of `/coins/markets`: each page's raw rows against the fields MarketRowSchema
 * knows. A field the schema does not know is `new_field` (a warning); a REQUIRED field absent
 * from every row of a page is `missing_field` (the bronze check no_missing_fields fails); a
 * field holding a JSON type other than the expected one is `type_changed` (those rows are
 * quarantined by parseMarketRow). A required field absent from a few rows only is a bad row,
 * quarantined, not a changed API. A SERVED field (optional in the schema because recordings
 * before 2021 lack it, but served in every row by the current API) absent from every row is
 * `missing_field` too, a warning (no_missing_served_fields): silver stores NULL, but never
 * silently. The `price_change_percentage_*_in_currency` fields exist only when requested and
 * are never missing.
 */
import { isJsonObject, JsonNumber, MarketRowSchema, parseLosslessJson, stringifyLosslessJson, type JsonObject } from '../sources/index.js';
import type { SqlSession } from '../../index.js';

export const MARKETS_SOURCE = 'coingecko/markets';

export type DriftKind = 'new_field' | 'missing_field' | 'type_changed';
type JsonType = 'number' | 'string' | 'boolean' | 'array' | 'object';

export interface Drift {
  readonly field: string;
  readonly kind: DriftKind;
  /** A value seen (new_field, type_changed) or null (missing_field), numbers as JSON text. */
  readonly example: string | null;
  readonly detail: string;
}

type MarketField = keyof typeof MarketRowSchema.shape;

/** The JSON type each known field holds when not null. */
const EXPECTED_TYPES = {
  id: 'string', symbol: 'string', name: 'string', image: 'string', current_price: 'number', market_cap: 'number',
  market_cap_rank: 'number', fully_diluted_valuation: 'number', total_volume: 'number', high_24h: 'number', low_24h: 'number',
  price_change_24h: 'number', price_change_percentage_24h: 'number', market_cap_change_24h: 'number',
  market_cap_change_percentage_24h: 'number', circulating_supply: 'number', total_supply: 'number', max_supply: 'number',
  ath: 'number', ath_change_percentage: 'number', ath_date: 'string', atl: 'number', atl_change_percentage: 'number',
  atl_date: 'string', roi: 'object', last_updated: 'string', price_change_percentage_1h_in_currency: 'number',
  price_change_percentage_24h_in_currency: 'number', price_change_percentage_7d_in_currency: 'number',
  price_change_percentage_14d_in_currency: 'number', price_change_percentage_30d_in_currency: 'number',
  price_change_percentage_200d_in_currency: 'number', price_change_percentage_1y_in_currency: 'number',
} as const satisfies Record<MarketField, JsonType>;

const KNOWN_FIELDS: ReadonlySet<string> = new Set(Object.keys(MarketRowSchema.shape));
/** Fields the schema accepts absent: fully_diluted_valuation, max_supply, price_change_percentage_*_in_currency. */
export const OPTIONAL_FIELDS: ReadonlySet<string> = new Set(
  (Object.keys(MarketRowSchema.shape) as MarketField[]).filter((field) => MarketRowSchema.shape[field].safeParse(undefined).success),
);
export const REQUIRED_FIELDS: readonly string[] = [...KNOWN_FIELDS].filter((field) => !OPTIONAL_FIELDS.has(field));
/** Optional in the schema (absent before 2021) but in every row the current API sends: gone from a page is drift. */
export const SERVED_FIELDS: readonly string[] = ['fully_diluted_valuation', 'max_supply'] satisfies MarketField[];

function jsonType(value: unknown): JsonType | null {
  if (value === null || value === undefined) return null;
  if (value instanceof JsonNumber || typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (Array.isArray(value)) return 'array';
  return 'object';
}

/** The known fields of one raw row whose value has a JSON type other than the expected one. */
export function typeChanges(row: JsonObject): { field: string; expected: JsonType; actual: JsonType }[] {
  const changes = [];
  for (const [field, value] of Object.entries(row)) {
    const expected = (EXPECTED_TYPES as Record<string, JsonType>)[field];
    const actual = jsonType(value);
    if (expected !== undefined && actual !== null && actual !== expected) changes.push({ field, expected, actual });
  }
  return changes;
}

/** Drift of one page's rows (parsed losslessly), one entry per (field, kind). */
export function detectPageDrift(rows: readonly unknown[]): Drift[] {
  const objects = rows.filter(isJsonObject);
  const drift = new Map<string, Drift>();
  const add = (entry: Drift) => {
    if (!drift.has(`${entry.kind}:${entry.field}`)) drift.set(`${entry.kind}:${entry.field}`, entry);
  };
  for (const row of objects) {
    for (const [field, value] of Object.entries(row)) {
      if (!KNOWN_FIELDS.has(field)) add({ field, kind: 'new_field', example: stringifyLosslessJson(value), detail: `new field '${field}'` });
    }
    for (const change of typeChanges(row)) {
      add({
        field: change.field,
        kind: 'type_changed',
        example: stringifyLosslessJson(row[change.field] ?? null),
        detail: `'${change.field}' is ${change.actual}, expected ${change.expected}`,
      });
    }
  }
  if (objects.length > 0) {
    for (const field of REQUIRED_FIELDS) {
      if (objects.every((row) => !(field in row))) add({ field, kind: 'missing_field', example: null, detail: `required field '${field}' missing from every row` });
    }
    for (const field of SERVED_FIELDS) {
      if (objects.every((row) => !(field in row))) {
        add({ field, kind: 'missing_field', example: null, detail: `field '${field}' (served by the current API) missing from every row, stored as NULL` });
      }
    }
  }
  return [...drift.values()];
}

/** Drift of a partition's pages (raw JSON bodies), merged by (field, kind). */
export function detectMarketsDrift(pages: readonly { body: Buffer }[]): Drift[] {
  const merged = new Map<string, Drift>();
  for (const page of pages) {
    const data = parseLosslessJson(page.body.toString('utf8'));
    if (Array.isArray(data)) mergeDrift(merged, detectPageDrift(data));
  }
  return [...merged.values()];
}

/** Adds a page's drift to a partition's, keyed by (field, kind): the first page's entry stays. */
export function mergeDrift(merged: Map<string, Drift>, entries: readonly Drift[]): void {
  for (const entry of entries) {
    if (!merged.has(`${entry.kind}:${entry.field}`)) merged.set(`${entry.kind}:${entry.field}`, entry);
  }
}

const UPSERT = `INSERT INTO silver.schema_drift AS d (source, field, kind, first_seen_at, last_seen_at, first_partition, last_partition, example)
VALUES ($1, $2, $3, $4::timestamptz, $4::timestamptz, $5, $5, $6::jsonb)
ON CONFLICT (source, field, kind) DO UPDATE SET
  last_seen_at = GREATEST(d.last_seen_at, EXCLUDED.last_seen_at),
  last_partition = EXCLUDED.last_partition,
  example = EXCLUDED.example`;

/** The missing_field entries among `drift`: the required fields, and the served ones (stored as NULL). */
export function missingFields(drift: readonly Drift[]): { required: string[]; served: string[] } {
  const missing = drift.filter((entry) => entry.kind === 'missing_field').map((entry) => entry.field);
  return { required: missing.filter((field) => !SERVED_FIELDS.includes(field)), served: missing.filter((field) => SERVED_FIELDS.includes(field)) };
}

/** Upserts drift seen in a partition: first seen kept, last seen advanced. */
export async function recordDrift(session: SqlSession, drift: readonly Drift[], partitionKey: string, seenAt: Date): Promise<void> {
  for (const entry of drift) {
    await session.query(UPSERT, [MARKETS_SOURCE, entry.field, entry.kind, seenAt.toISOString(), partitionKey, entry.example]);
  }
}

export interface StoredDrift {
  readonly source: string;
  readonly field: string;
  readonly kind: DriftKind;
  readonly firstSeenAt: Date;
  readonly lastSeenAt: Date;
  readonly firstPartition: string;
  readonly lastPartition: string;
  readonly example: unknown;
}

/** The drift history, newest last-seen first; optionally one source or one kind. */
export async function listDrift(session: SqlSession, filter: { source?: string; kind?: DriftKind } = {}): Promise<StoredDrift[]> {
  const { rows } = await session.query<{
    source: string; field: string; kind: DriftKind; first_seen_at: Date | string; last_seen_at: Date | string;
    first_partition: string; last_partition: string; example: unknown;
  }>(
    `SELECT source, field, kind, first_seen_at, last_seen_at, first_partition, last_partition, example FROM silver.schema_drift
      WHERE ($1::text IS NULL OR source = $1) AND ($2::text IS NULL OR kind = $2)
      ORDER BY last_seen_at DESC, source, field, kind`,
    [filter.source ?? null, filter.kind ?? null],
  );
  return rows.map((row) => ({
    source: row.source,
    field: row.field,
    kind: row.kind,
    firstSeenAt: new Date(row.first_seen_at),
    lastSeenAt: new Date(row.last_seen_at),
    firstPartition: row.first_partition,
    lastPartition: row.last_partition,
    example: row.example,
  }));
}
