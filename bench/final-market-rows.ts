/**
 * The bench's own statement of what a silver.market_snapshots row is, given staged text:
 * typed casts plus the derived columns (the generated columns of sql/migrations/0001_silver.sql,
 * written out again on purpose). The psql side of the load bench loads rows made by this query;
 * the bench checks that Strata's merge produced the very same rows, and that the table's
 * generated columns agree with the definitions here.
 */

/** Columns whose staged text is cast to something other than numeric. */
const CASTS: Readonly<Record<string, string>> = {
  coin_id: 'text',
  snapshot_at: 'timestamptz',
  symbol: 'text',
  name: 'text',
  image: 'text',
  market_cap_rank: 'integer',
  ath_date: 'timestamptz',
  atl_date: 'timestamptz',
  last_updated: 'timestamptz',
  roi: 'jsonb',
  source_file: 'text',
  source_row: 'integer',
};

const DERIVED: Readonly<Record<string, string>> = {
  market_cap_category: `CASE
    WHEN market_cap IS NULL OR market_cap <= 0 THEN 'unknown'
    WHEN market_cap >= 200e9 THEN 'mega'
    WHEN market_cap >= 10e9 THEN 'large'
    WHEN market_cap >= 1e9 THEN 'mid'
    WHEN market_cap >= 100e6 THEN 'small'
    ELSE 'micro' END`,
  price_volatility_24h: '(high_24h - low_24h) / NULLIF(low_24h, 0) * 100',
  volume_to_mcap_ratio: 'total_volume / NULLIF(market_cap, 0)',
  circulating_to_total_supply_ratio: 'circulating_supply / NULLIF(total_supply, 0)',
  circulating_to_max_supply_ratio: 'circulating_supply / NULLIF(max_supply, 0)',
};

/**
 * `SELECT` of the final rows, columns in `tableColumns` order, from a `source` table holding
 * `snapshot_at` and the staging columns as text.
 */
export function finalRowsSql(source: string, tableColumns: readonly string[]): string {
  const stored = tableColumns.filter((c) => DERIVED[c] === undefined);
  const typed = stored.map((c) => `${c}::${CASTS[c] ?? 'numeric'} AS ${c}`).join(',\n    ');
  const select = tableColumns.map((c) => (DERIVED[c] === undefined ? c : `${DERIVED[c]} AS ${c}`)).join(',\n  ');
  return `WITH typed AS (\n  SELECT\n    ${typed}\n  FROM ${source}\n)\nSELECT\n  ${select}\nFROM typed`;
}

/** Counts the rows of `table` whose derived columns differ from the definitions above. */
export function derivedMismatchSql(table: string): string {
  const names = Object.keys(DERIVED);
  return `SELECT count(*) AS n FROM ${table}
WHERE (${names.join(', ')}) IS DISTINCT FROM (${names.map((c) => `(${DERIVED[c]})`).join(',\n  ')})`;
}
