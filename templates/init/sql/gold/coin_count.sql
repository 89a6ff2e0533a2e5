-- asset: gold/coin_count
-- deps: silver/market_snapshots
-- description: Coins per market-cap category in each six-hourly snapshot.
SELECT market_cap_category, count(*)::int AS coins
FROM silver.market_snapshots
WHERE snapshot_at = {{ partition_start }}
GROUP BY market_cap_category
