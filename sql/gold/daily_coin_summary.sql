-- $1 = day (date), $2 = its start, $3 = the next day's start (timestamptz, UTC).
-- One row per coin with at least one snapshot that day. open/close (and market_cap_close) are
-- the values at the coin's first/last snapshot of the day by snapshot_at, NULL when that
-- snapshot has none; high/low are the max/min non-NULL price; avg_total_volume is NUMERIC avg.
WITH day_rows AS (
  SELECT coin_id, snapshot_at, symbol, name, current_price, total_volume, market_cap
  FROM silver.market_snapshots
  WHERE snapshot_at >= $2::timestamptz AND snapshot_at < $3::timestamptz
),
firsts AS (
  SELECT DISTINCT ON (coin_id) coin_id, current_price AS open_price, snapshot_at AS first_snapshot_at
  FROM day_rows
  ORDER BY coin_id, snapshot_at
),
lasts AS (
  SELECT DISTINCT ON (coin_id)
    coin_id, symbol, name, current_price AS close_price, market_cap AS market_cap_close, snapshot_at AS last_snapshot_at
  FROM day_rows
  ORDER BY coin_id, snapshot_at DESC
),
stats AS (
  SELECT coin_id, max(current_price) AS high_price, min(current_price) AS low_price,
         avg(total_volume) AS avg_total_volume, count(*) AS snapshot_count
  FROM day_rows
  GROUP BY coin_id
)
INSERT INTO gold.daily_coin_summary (
  day, coin_id, symbol, name, open_price, high_price, low_price, close_price, avg_total_volume,
  market_cap_close, snapshot_count, first_snapshot_at, last_snapshot_at
)
SELECT
  $1::date, s.coin_id, l.symbol, l.name, f.open_price, s.high_price, s.low_price, l.close_price,
  s.avg_total_volume, l.market_cap_close, s.snapshot_count, f.first_snapshot_at, l.last_snapshot_at
FROM stats s
JOIN firsts f USING (coin_id)
JOIN lasts l USING (coin_id)
