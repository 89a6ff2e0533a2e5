-- $1 = snapshot_at (the window's start), $2 = the window's end, $3 = threshold in percent.
-- Per unified coin: each source's newest price in the window (CoinGecko and CoinPaprika quote at
-- the window's start; an imported CSV may quote at any time in it), the spread between the
-- highest and the lowest, and a flag above the threshold. Unmapped coins (coin_id NULL) cannot
-- be compared and are left out; silver.unmapped_coins lists them.
WITH latest AS (
  SELECT DISTINCT ON (q.coin_id, q.source) q.coin_id, q.source, q.price_usd, q.symbol, q.name
  FROM silver.market_quotes q
  WHERE q.snapshot_at >= $1::timestamptz AND q.snapshot_at < $2::timestamptz
    AND q.coin_id IS NOT NULL AND q.price_usd > 0
  ORDER BY q.coin_id, q.source, q.snapshot_at DESC
),
per_coin AS (
  SELECT
    l.coin_id,
    -- The unified coin's names when silver knows it, else the alphabetically first source's.
    (array_agg(l.symbol ORDER BY l.source))[1] AS symbol,
    (array_agg(l.name ORDER BY l.source))[1] AS name,
    count(*)::int AS source_count,
    jsonb_object_agg(l.source, l.price_usd) AS prices,
    min(l.price_usd) AS min_price,
    max(l.price_usd) AS max_price
  FROM latest l
  GROUP BY l.coin_id
)
INSERT INTO gold.source_reconciliation (
  snapshot_at, coin_id, symbol, name, source_count, prices, min_price, max_price, spread_pct, threshold_pct, flagged
)
SELECT
  $1::timestamptz,
  p.coin_id,
  coalesce(c.symbol, p.symbol),
  coalesce(c.name, p.name),
  p.source_count,
  p.prices,
  p.min_price,
  p.max_price,
  CASE WHEN p.source_count > 1 THEN (p.max_price - p.min_price) / p.min_price * 100 END,
  $3::numeric,
  p.source_count > 1 AND (p.max_price - p.min_price) / p.min_price * 100 > $3::numeric
FROM per_coin p
LEFT JOIN silver.coins c USING (coin_id)
