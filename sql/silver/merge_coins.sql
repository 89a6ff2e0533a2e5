-- $1 = snapshot_at. Keeps the newest names for each coin and the first and last time it was seen.
INSERT INTO silver.coins AS c (coin_id, symbol, name, image, first_seen_at, last_seen_at)
SELECT coin_id, symbol, name, image, $1::timestamptz, $1::timestamptz
FROM stage_market_snapshots
ON CONFLICT (coin_id) DO UPDATE SET
  symbol        = CASE WHEN excluded.last_seen_at >= c.last_seen_at THEN excluded.symbol ELSE c.symbol END,
  name          = CASE WHEN excluded.last_seen_at >= c.last_seen_at THEN excluded.name ELSE c.name END,
  image         = CASE WHEN excluded.last_seen_at >= c.last_seen_at THEN excluded.image ELSE c.image END,
  first_seen_at = least(c.first_seen_at, excluded.first_seen_at),
  last_seen_at  = greatest(c.last_seen_at, excluded.last_seen_at)
