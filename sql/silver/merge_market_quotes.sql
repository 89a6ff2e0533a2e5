-- $1 = source. Upserts the staged quotes. A row equal to the stored one is not written, so
-- loading the same data twice changes nothing; RETURNING tells inserts (xmax = 0) from updates.
INSERT INTO silver.market_quotes AS q (
  source, source_coin_id, coin_id, snapshot_at, symbol, name, price_usd, market_cap_usd,
  total_volume_usd, market_cap_rank, circulating_supply, total_supply, max_supply,
  price_change_percentage_24h, last_updated, source_file, source_row
)
SELECT
  $1, source_coin_id, coin_id, snapshot_at, symbol, name, price_usd, market_cap_usd,
  total_volume_usd, market_cap_rank, circulating_supply, total_supply, max_supply,
  price_change_percentage_24h, last_updated, source_file, source_row
FROM stage_market_quotes
ON CONFLICT (source, source_coin_id, snapshot_at) DO UPDATE SET
  coin_id = excluded.coin_id,
  symbol = excluded.symbol,
  name = excluded.name,
  price_usd = excluded.price_usd,
  market_cap_usd = excluded.market_cap_usd,
  total_volume_usd = excluded.total_volume_usd,
  market_cap_rank = excluded.market_cap_rank,
  circulating_supply = excluded.circulating_supply,
  total_supply = excluded.total_supply,
  max_supply = excluded.max_supply,
  price_change_percentage_24h = excluded.price_change_percentage_24h,
  last_updated = excluded.last_updated,
  source_file = excluded.source_file,
  source_row = excluded.source_row
WHERE (q.coin_id, q.symbol, q.name, q.price_usd, q.market_cap_usd, q.total_volume_usd, q.market_cap_rank,
       q.circulating_supply, q.total_supply, q.max_supply, q.price_change_percentage_24h, q.last_updated,
       q.source_file, q.source_row)
  IS DISTINCT FROM
      (excluded.coin_id, excluded.symbol, excluded.name, excluded.price_usd, excluded.market_cap_usd,
       excluded.total_volume_usd, excluded.market_cap_rank, excluded.circulating_supply, excluded.total_supply,
       excluded.max_supply, excluded.price_change_percentage_24h, excluded.last_updated, excluded.source_file,
       excluded.source_row)
RETURNING (xmax = 0) AS inserted
