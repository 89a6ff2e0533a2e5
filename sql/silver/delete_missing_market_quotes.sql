-- $1 = source, $2 = snapshot_at. A re-loaded snapshot replaces the old one: coins no longer in it go.
DELETE FROM silver.market_quotes q
WHERE q.source = $1 AND q.snapshot_at = $2::timestamptz
  AND NOT EXISTS (SELECT 1 FROM stage_market_quotes st WHERE st.source_coin_id = q.source_coin_id)
