-- $1 = day (date), $2 = its start, $3 = the next day's start (timestamptz, UTC).
-- Per source and unified coin with at least one quote that day: open/close (and market cap at
-- close) at the first/last quote by snapshot_at, NULL when that quote has no price; high/low
-- the max/min price; the average volume. Unmapped coins are left out (silver.unmapped_coins).
WITH day_rows AS (
  SELECT source, coin_id, snapshot_at, symbol, name, price_usd, total_volume_usd, market_cap_usd
  FROM silver.market_quotes
  WHERE snapshot_at >= $2::timestamptz AND snapshot_at < $3::timestamptz AND coin_id IS NOT NULL
),
firsts AS (
  SELECT DISTINCT ON (source, coin_id) source, coin_id, price_usd AS open_price, snapshot_at AS first_snapshot_at
  FROM day_rows
  ORDER BY source, coin_id, snapshot_at
),
lasts AS (
  SELECT DISTINCT ON (source, coin_id)
    source, coin_id, symbol, name, price_usd AS close_price, market_cap_usd AS market_cap_close, snapshot_at AS last_snapshot_at
  FROM day_rows
  ORDER BY source, coin_id, snapshot_at DESC
),
stats AS (
  SELECT source, coin_id, max(price_usd) AS high_price, min(price_usd) AS low_price,
         avg(total_volume_usd) AS avg_volume_usd, count(*)::int AS snapshot_count
  FROM day_rows
  GROUP BY source, coin_id
)
INSERT INTO gold.market_daily (
  day, source, coin_id, symbol, name, open_price, high_price, low_price, close_price, avg_volume_usd,
  market_cap_close, snapshot_count, first_snapshot_at, last_snapshot_at
)
SELECT
  $1::date, s.source, s.coin_id, l.symbol, l.name, f.open_price, s.high_price, s.low_price, l.close_price,
  s.avg_volume_usd, l.market_cap_close, s.snapshot_count, f.first_snapshot_at, l.last_snapshot_at
FROM stats s
JOIN firsts f USING (source, coin_id)
JOIN lasts l USING (source, coin_id)
