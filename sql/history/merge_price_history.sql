-- The staged coin-days into silver.price_history. A day already there is replaced (a re-run of
-- the partition writes the same values, and equal rows are not rewritten).
INSERT INTO silver.price_history (coin_id, day, price_usd, market_cap_usd, total_volume_usd, points, last_point_at, source_file)
SELECT coin_id, day, price_usd, market_cap_usd, total_volume_usd, points, last_point_at, source_file
FROM stage_price_history
ON CONFLICT (coin_id, day) DO UPDATE SET
  price_usd = excluded.price_usd,
  market_cap_usd = excluded.market_cap_usd,
  total_volume_usd = excluded.total_volume_usd,
  points = excluded.points,
  last_point_at = excluded.last_point_at,
  source_file = excluded.source_file
WHERE (silver.price_history.price_usd, silver.price_history.market_cap_usd, silver.price_history.total_volume_usd,
       silver.price_history.points, silver.price_history.last_point_at, silver.price_history.source_file)
  IS DISTINCT FROM
      (excluded.price_usd, excluded.market_cap_usd, excluded.total_volume_usd,
       excluded.points, excluded.last_point_at, excluded.source_file)
