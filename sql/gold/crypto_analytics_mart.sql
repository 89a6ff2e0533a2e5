-- $1 = snapshot_at, $2 = N. The top N coins by market_cap_rank (the rank decides, even where
-- it disagrees with market-cap order) with dominance, trend, liquidity and 7d/30d statistics
-- from silver history. Definitions: README "Data model".
-- 7d/30d statistics prefer the daily closes of silver.price_history; a coin without closes for
-- a statistic falls back to the snapshots. With S the snapshot's UTC day: the return is the
-- current price against the close of day S - 7 (S - 30), the volatility the coefficient of
-- variation of the closes of the whole days S - 7 .. S - 1 (S - 30 .. S - 1). Day S itself is
-- left out: its close comes after the snapshot.
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
  SELECT *, (snapshot_at AT TIME ZONE 'UTC')::date AS snapshot_day FROM snap WHERE market_cap_rank BETWEEN 1 AND $2::integer
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
  CASE WHEN close7.price_usd IS NOT NULL
    THEN (t.current_price / NULLIF(close7.price_usd, 0) - 1) * 100
    ELSE (t.current_price / NULLIF(base7.current_price, 0) - 1) * 100 END,
  CASE WHEN closes7.closes > 0 THEN closes7.volatility ELSE w7.volatility END,
  CASE WHEN close30.price_usd IS NOT NULL
    THEN (t.current_price / NULLIF(close30.price_usd, 0) - 1) * 100
    ELSE (t.current_price / NULLIF(base30.current_price, 0) - 1) * 100 END,
  CASE WHEN closes30.closes > 0 THEN closes30.volatility ELSE w30.volatility END
FROM top_coins t
CROSS JOIN basis b
-- Daily closes: the close 7 (30) days before the snapshot's day, and the closes of the window.
LEFT JOIN silver.price_history close7
  ON close7.coin_id = t.coin_id AND close7.day = t.snapshot_day - 7 AND close7.price_usd IS NOT NULL
LEFT JOIN silver.price_history close30
  ON close30.coin_id = t.coin_id AND close30.day = t.snapshot_day - 30 AND close30.price_usd IS NOT NULL
LEFT JOIN LATERAL (
  SELECT count(p.price_usd) AS closes, stddev_samp(p.price_usd) / NULLIF(avg(p.price_usd), 0) * 100 AS volatility
  FROM silver.price_history p
  WHERE p.coin_id = t.coin_id AND p.day >= t.snapshot_day - 7 AND p.day < t.snapshot_day
) closes7 ON true
LEFT JOIN LATERAL (
  SELECT count(p.price_usd) AS closes, stddev_samp(p.price_usd) / NULLIF(avg(p.price_usd), 0) * 100 AS volatility
  FROM silver.price_history p
  WHERE p.coin_id = t.coin_id AND p.day >= t.snapshot_day - 30 AND p.day < t.snapshot_day
) closes30 ON true
-- Snapshot fallback. Base price: the newest snapshot between 7 (30) days and one day more ago; none means no return.
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
