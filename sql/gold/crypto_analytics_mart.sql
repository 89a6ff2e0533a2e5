-- $1 = snapshot_at, $2 = N. The top N coins by market_cap_rank (the rank decides, even where
-- it disagrees with market-cap order) with dominance, trend, liquidity and 7d/30d statistics
-- from silver history. Definitions: README "Data model".
WITH snap AS (
  SELECT * FROM silver.market_snapshots WHERE snapshot_at = $1::timestamptz
),
basis AS (
  SELECT
    (SELECT g.total_market_cap_usd FROM silver.global_snapshots g
      WHERE g.snapshot_at = $1::timestamptz AND g.total_market_cap_usd > 0) AS global_total,
    (SELECT sum(market_cap) FROM snap) AS snapshot_total
),
top_coins AS (
  SELECT * FROM snap WHERE market_cap_rank BETWEEN 1 AND $2::integer
)
INSERT INTO gold.crypto_analytics_mart (
  snapshot_at, coin_id, market_cap_rank, symbol, name, current_price, market_cap, total_volume,
  price_change_percentage_24h, market_dominance_pct, dominance_basis, price_trend_category,
  volume_to_mcap_ratio, liquidity_category, market_cap_category, return_7d_pct,
  volatility_7d_pct, return_30d_pct, volatility_30d_pct
)
SELECT
  t.snapshot_at,
  t.coin_id,
  t.market_cap_rank,
  t.symbol,
  t.name,
  t.current_price,
  t.market_cap,
  t.total_volume,
  t.price_change_percentage_24h,
  t.market_cap / NULLIF(coalesce(b.global_total, b.snapshot_total), 0) * 100,
  CASE WHEN b.global_total IS NOT NULL THEN 'global' ELSE 'snapshot_sum' END,
  CASE
    WHEN t.price_change_percentage_24h IS NULL THEN NULL
    WHEN t.price_change_percentage_24h > 5 THEN 'strong_up'
    WHEN t.price_change_percentage_24h > 1 THEN 'up'
    WHEN t.price_change_percentage_24h >= -1 THEN 'flat'
    WHEN t.price_change_percentage_24h >= -5 THEN 'down'
    ELSE 'strong_down'
  END,
  t.volume_to_mcap_ratio,
  CASE
    WHEN t.volume_to_mcap_ratio IS NULL THEN NULL
    WHEN t.volume_to_mcap_ratio >= 0.10 THEN 'high'
    WHEN t.volume_to_mcap_ratio >= 0.02 THEN 'medium'
    ELSE 'low'
  END,
  t.market_cap_category,
  (t.current_price / NULLIF(base7.current_price, 0) - 1) * 100,
  w7.volatility,
  (t.current_price / NULLIF(base30.current_price, 0) - 1) * 100,
  w30.volatility
FROM top_coins t
CROSS JOIN basis b
-- Base price: the newest snapshot between 7 (30) days and one day more ago; none means no return.
LEFT JOIN LATERAL (
  SELECT h.current_price FROM silver.market_snapshots h
  WHERE h.coin_id = t.coin_id
    AND h.snapshot_at <= t.snapshot_at - interval '7 days'
    AND h.snapshot_at > t.snapshot_at - interval '8 days'
  ORDER BY h.snapshot_at DESC LIMIT 1
) base7 ON true
LEFT JOIN LATERAL (
  SELECT h.current_price FROM silver.market_snapshots h
  WHERE h.coin_id = t.coin_id
    AND h.snapshot_at <= t.snapshot_at - interval '30 days'
    AND h.snapshot_at > t.snapshot_at - interval '31 days'
  ORDER BY h.snapshot_at DESC LIMIT 1
) base30 ON true
-- Volatility: coefficient of variation of the price over the window, in percent.
LEFT JOIN LATERAL (
  SELECT stddev_samp(h.current_price) / NULLIF(avg(h.current_price), 0) * 100 AS volatility
  FROM silver.market_snapshots h
  WHERE h.coin_id = t.coin_id
    AND h.snapshot_at > t.snapshot_at - interval '7 days'
    AND h.snapshot_at <= t.snapshot_at
) w7 ON true
LEFT JOIN LATERAL (
  SELECT stddev_samp(h.current_price) / NULLIF(avg(h.current_price), 0) * 100 AS volatility
  FROM silver.market_snapshots h
  WHERE h.coin_id = t.coin_id
    AND h.snapshot_at > t.snapshot_at - interval '30 days'
    AND h.snapshot_at <= t.snapshot_at
) w30 ON true
