-- $1 = snapshot_at. One row per market-cap category present in the snapshot. The median is
-- computed exactly in NUMERIC (percentile_cont would go through double precision).
WITH snap AS (
  SELECT market_cap_category, market_cap, total_volume, price_change_percentage_24h
  FROM silver.market_snapshots
  WHERE snapshot_at = $1::timestamptz
),
total AS (
  SELECT sum(market_cap) AS market_cap FROM snap
),
ranked AS (
  SELECT
    market_cap_category,
    price_change_percentage_24h AS change,
    row_number() OVER (PARTITION BY market_cap_category ORDER BY price_change_percentage_24h) AS position,
    count(*) OVER (PARTITION BY market_cap_category) AS n
  FROM snap
  WHERE price_change_percentage_24h IS NOT NULL
),
medians AS (
  SELECT market_cap_category, avg(change) AS median
  FROM ranked
  WHERE position IN ((n + 1) / 2, (n + 2) / 2)
  GROUP BY market_cap_category
)
INSERT INTO gold.market_segment_analysis (
  snapshot_at, market_cap_category, coin_count, total_market_cap, market_share_pct,
  total_volume, avg_price_change_24h, median_price_change_24h
)
SELECT
  $1::timestamptz,
  s.market_cap_category,
  count(*),
  sum(s.market_cap),
  sum(s.market_cap) / NULLIF(total.market_cap, 0) * 100,
  sum(s.total_volume),
  avg(s.price_change_percentage_24h),
  m.median
FROM snap s
CROSS JOIN total
LEFT JOIN medians m USING (market_cap_category)
GROUP BY s.market_cap_category, total.market_cap, m.median
