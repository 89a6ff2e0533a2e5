-- $1 = snapshot_at. A re-fetched partition replaces the old one: coins no longer in it go.
DELETE FROM silver.market_snapshots s
WHERE s.snapshot_at = $1::timestamptz
  AND NOT EXISTS (SELECT 1 FROM stage_market_snapshots st WHERE st.coin_id = s.coin_id)
