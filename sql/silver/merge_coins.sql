-- $1 = snapshot_at, whose rows are already in silver.market_snapshots (COPYed in this
-- transaction; their foreign key is checked at COMMIT). Writes only what this snapshot changes:
-- inserts coins never seen, and updates a known coin when this snapshot is older than its first_seen_at (a backfill), or when
-- its symbol/name/image differ and no stored snapshot of the coin is newer than this one (so
-- reloading an old partition never brings back old names). Unchanged coins are not written.
WITH new_coins AS (
  INSERT INTO silver.coins (coin_id, symbol, name, image, first_seen_at)
  SELECT st.coin_id, st.symbol, st.name, st.image, $1::timestamptz
  FROM silver.market_snapshots st
  WHERE st.snapshot_at = $1::timestamptz
    AND NOT EXISTS (SELECT 1 FROM silver.coins c WHERE c.coin_id = st.coin_id)
  ON CONFLICT (coin_id) DO NOTHING
),
-- MATERIALIZED: the newest-snapshot lookup (one primary-key probe) runs for changed coins only.
changed AS MATERIALIZED (
  SELECT
    st.coin_id, st.symbol, st.name, st.image,
    coalesce((SELECT max(s.snapshot_at) FROM silver.market_snapshots s WHERE s.coin_id = st.coin_id) <= $1::timestamptz, true) AS newest
  FROM silver.market_snapshots st
  JOIN silver.coins c ON c.coin_id = st.coin_id
  WHERE st.snapshot_at = $1::timestamptz
    AND (c.first_seen_at > $1::timestamptz
     OR (c.symbol, c.name, c.image) IS DISTINCT FROM (st.symbol, st.name, st.image))
)
UPDATE silver.coins c SET
  symbol = CASE WHEN ch.newest THEN ch.symbol ELSE c.symbol END,
  name = CASE WHEN ch.newest THEN ch.name ELSE c.name END,
  image = CASE WHEN ch.newest THEN ch.image ELSE c.image END,
  first_seen_at = least(c.first_seen_at, $1::timestamptz)
FROM changed ch
WHERE c.coin_id = ch.coin_id
  AND (ch.newest OR c.first_seen_at > $1::timestamptz)
