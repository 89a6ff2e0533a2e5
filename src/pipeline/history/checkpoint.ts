/**
 * The per-coin checkpoint of the price history: which days of which coin have landed in bronze
 * (silver.price_history_loads), and the fetches in flight (silver.price_history_pending), a
 * write-ahead note that makes a crash between "file committed" and "load recorded" harmless.
 */
import type { SqlSession, StrataDatabase } from '../../index.js';
import { addDays, daysBetween } from './history-days.js';

/** One fetch of a coin's days, landed (a load) or in flight (pending). */
export interface HistoryFetch {
  readonly coinId: string;
  readonly firstDay: string;
  readonly lastDay: string;
  readonly partitionKey: string;
  /** Relative to the partition's bronze prefix: `bitcoin/market_chart_2025-01-01_2025-01-20.json`. */
  readonly sourceFile: string;
}

export interface LoadedRange {
  readonly firstDay: string;
  readonly lastDay: string;
}

/** A fetch covers at most this many days, however long the gap (CoinGecko serves them daily). */
export const MAX_FETCH_DAYS = 365;

/**
 * The days to fetch so that `day` is loaded, or undefined when a load covers it: from the day
 * after the newest load ending before `day` (or `day` itself when there is none) through
 * `day`, at most MAX_FETCH_DAYS. Loads never overlap, and neither does the gap: any load
 * reaching into it would cover `day` or end later than the newest one before it.
 */
export function gapEndingAt(loads: readonly LoadedRange[], day: string): LoadedRange | undefined {
  if (loads.some((load) => load.firstDay <= day && day <= load.lastDay)) return undefined;
  const before = loads.filter((load) => load.lastDay < day).map((load) => load.lastDay);
  const newest = before.length === 0 ? undefined : before.reduce((a, b) => (a > b ? a : b));
  let firstDay = newest === undefined ? day : addDays(newest, 1);
  if (daysBetween(firstDay, day) > MAX_FETCH_DAYS) firstDay = addDays(day, 1 - MAX_FETCH_DAYS);
  return { firstDay, lastDay: day };
}

/**
 * The fetches that load every day from `first` through `last` (a range run): one per run of
 * consecutive missing days, so a range with nothing loaded is ONE fetch; the run that starts at
 * `first` reaches back as gapEndingAt does, to the day after the newest load before it. A run
 * longer than MAX_FETCH_DAYS is split into fetches of at most that many days, oldest first,
 * and the reach-back never makes one longer. Like the loads, the fetches never overlap.
 */
export function gapsWithin(loads: readonly LoadedRange[], first: string, last: string): LoadedRange[] {
  const covered = (day: string) => loads.some((load) => load.firstDay <= day && day <= load.lastDay);
  const runs: { firstDay: string; lastDay: string }[] = [];
  for (let day = first; day <= last; day = addDays(day, 1)) {
    if (covered(day)) continue;
    const open = runs.at(-1);
    if (open !== undefined && open.lastDay === addDays(day, -1)) open.lastDay = day;
    else runs.push({ firstDay: day, lastDay: day });
  }
  const head = runs[0];
  if (head !== undefined && head.firstDay === first) {
    const reach = gapEndingAt(loads, first)?.firstDay ?? first;
    // Reach back only as far as keeps the first fetch within the cap.
    const earliest = addDays(head.lastDay, 1 - MAX_FETCH_DAYS);
    head.firstDay = reach < earliest ? (earliest < first ? earliest : first) : reach;
  }
  return runs.flatMap((run) => {
    const fetches: LoadedRange[] = [];
    for (let start = run.firstDay; start <= run.lastDay; start = addDays(start, MAX_FETCH_DAYS)) {
      const end = addDays(start, MAX_FETCH_DAYS - 1);
      fetches.push({ firstDay: start, lastDay: end < run.lastDay ? end : run.lastDay });
    }
    return fetches;
  });
}

/** Every coin's loads, for the coins asked. */
export async function loadsOf(database: StrataDatabase, coinIds: readonly string[]): Promise<Map<string, LoadedRange[]>> {
  const byCoin = new Map<string, LoadedRange[]>(coinIds.map((id) => [id, []]));
  if (coinIds.length === 0) return byCoin;
  const { rows } = await database.withSession((session) =>
    session.query<{ coin_id: string; first_day: string; last_day: string }>(
      'SELECT coin_id, first_day, last_day FROM silver.price_history_loads WHERE coin_id = ANY($1::text[]) ORDER BY coin_id, first_day',
      [coinIds],
    ),
  );
  for (const row of rows) byCoin.get(row.coin_id)?.push({ firstDay: row.first_day, lastDay: row.last_day });
  return byCoin;
}

export async function pendingFetches(database: StrataDatabase): Promise<HistoryFetch[]> {
  const { rows } = await database.withSession((session) =>
    session.query<{ coin_id: string; first_day: string; last_day: string; partition_key: string; source_file: string }>(
      'SELECT coin_id, first_day, last_day, partition_key, source_file FROM silver.price_history_pending ORDER BY partition_key, source_file',
    ),
  );
  return rows.map((row) => ({ coinId: row.coin_id, firstDay: row.first_day, lastDay: row.last_day, partitionKey: row.partition_key, sourceFile: row.source_file }));
}

/** Before the request: if the process dies from here on, the next run settles this fetch. */
export async function notePending(database: StrataDatabase, fetch: HistoryFetch, startedAt: Date): Promise<void> {
  await database.withSession((session) =>
    session.query(
      `INSERT INTO silver.price_history_pending (coin_id, first_day, last_day, partition_key, source_file, started_at)
       VALUES ($1, $2::date, $3::date, $4, $5, $6::timestamptz)
       ON CONFLICT (partition_key, source_file) DO UPDATE SET started_at = EXCLUDED.started_at`,
      [fetch.coinId, fetch.firstDay, fetch.lastDay, fetch.partitionKey, fetch.sourceFile, startedAt.toISOString()],
    ),
  );
}

/** After the commit: the fetch is a load, in one transaction with clearing its pending note. */
export async function recordLoad(database: StrataDatabase, fetch: HistoryFetch, fetchedAt: Date): Promise<void> {
  await database.withSession(async (session) => {
    await session.query(
      `INSERT INTO silver.price_history_loads (coin_id, first_day, last_day, partition_key, source_file, fetched_at)
       VALUES ($1, $2::date, $3::date, $4, $5, $6::timestamptz)
       ON CONFLICT (partition_key, source_file) DO NOTHING`,
      [fetch.coinId, fetch.firstDay, fetch.lastDay, fetch.partitionKey, fetch.sourceFile, fetchedAt.toISOString()],
    );
    await clearPending(session, fetch);
  });
}

/** The fetch never landed (it failed, or the process died before its commit). */
export async function dropPending(database: StrataDatabase, fetch: HistoryFetch): Promise<void> {
  await database.withSession((session) => clearPending(session, fetch));
}

async function clearPending(session: SqlSession, fetch: HistoryFetch): Promise<void> {
  await session.query('DELETE FROM silver.price_history_pending WHERE partition_key = $1 AND source_file = $2', [fetch.partitionKey, fetch.sourceFile]);
}
