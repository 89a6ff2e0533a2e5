/**
 * The newest snapshot of each gold mart, for the asset page's data view. Numeric columns come
 * back as exact decimal strings (see storage/type-parsers.ts); charts convert them to numbers.
 */
import { sql } from 'kysely';
import type { Runtime } from '../../runtime.js';

export type MartRow = Readonly<Record<string, unknown>>;

interface MartTable {
  /** The column that says which snapshot a row belongs to. */
  readonly snapshotColumn: 'snapshot_at' | 'day';
  /** Trusted SQL: how the first rows are ordered. */
  readonly order: string;
}

/** Gold assets with a table of the same name; the keys are ours, never user input in SQL. */
const MART_TABLES: Readonly<Record<string, MartTable>> = {
  'gold/crypto_analytics_mart': { snapshotColumn: 'snapshot_at', order: 'market_cap_rank, coin_id' },
  'gold/market_segment_analysis': { snapshotColumn: 'snapshot_at', order: 'market_share_pct DESC NULLS LAST, market_cap_category' },
  'gold/daily_coin_summary': { snapshotColumn: 'day', order: 'market_cap_close DESC NULLS LAST, coin_id' },
};

export function hasMartTable(assetKey: string): boolean {
  return assetKey in MART_TABLES;
}

export interface MartSnapshot {
  /** The snapshot shown (ISO time, or day); null when the mart is empty. */
  readonly snapshot: string | null;
  readonly rows: readonly MartRow[];
}

/** The first `limit` rows of the newest snapshot of `assetKey`'s table. */
export async function latestMartRows(runtime: Runtime, assetKey: string, limit: number): Promise<MartSnapshot> {
  const table = MART_TABLES[assetKey];
  if (table === undefined) return { snapshot: null, rows: [] };
  const name = sql.table(assetKey.replace('/', '.'));
  const column = sql.ref(table.snapshotColumn);
  const result = await sql<MartRow>`
    SELECT * FROM ${name}
    WHERE ${column} = (SELECT max(${column}) FROM ${name})
    ORDER BY ${sql.raw(table.order)}
    LIMIT ${limit}`.execute(runtime.database.db);
  const first = result.rows[0];
  const snapshot = first === undefined ? null : first[table.snapshotColumn];
  return { snapshot: snapshot instanceof Date ? snapshot.toISOString() : snapshot === undefined || snapshot === null ? null : String(snapshot), rows: result.rows };
}

export interface MartCharts {
  readonly snapshot: string | null;
  /** Coins of the analytics mart by rank. */
  readonly coins: readonly MartRow[];
  readonly segments: readonly MartRow[];
}

/** What the three gold charts draw: the newest analytics mart (top 50) and segment analysis. */
export async function martChartData(runtime: Runtime): Promise<MartCharts> {
  const [coins, segments] = await Promise.all([
    latestMartRows(runtime, 'gold/crypto_analytics_mart', 50),
    latestMartRows(runtime, 'gold/market_segment_analysis', 20),
  ]);
  return { snapshot: coins.snapshot ?? segments.snapshot, coins: coins.rows, segments: segments.rows };
}
