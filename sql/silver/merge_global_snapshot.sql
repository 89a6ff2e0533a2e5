-- $1 snapshot_at, $2 total_market_cap_usd, $3 total_volume_usd, $4 btc %, $5 eth %,
-- $6 24h change %, $7 active cryptocurrencies, $8 markets, $9 updated_at, $10 source file.
INSERT INTO silver.global_snapshots (
  snapshot_at, total_market_cap_usd, total_volume_usd, market_cap_percentage_btc,
  market_cap_percentage_eth, market_cap_change_percentage_24h_usd, active_cryptocurrencies,
  markets, updated_at, source_file
)
VALUES ($1::timestamptz, $2::numeric, $3::numeric, $4::numeric, $5::numeric, $6::numeric,
        $7::integer, $8::integer, $9::timestamptz, $10)
ON CONFLICT (snapshot_at) DO UPDATE SET
  total_market_cap_usd = excluded.total_market_cap_usd,
  total_volume_usd = excluded.total_volume_usd,
  market_cap_percentage_btc = excluded.market_cap_percentage_btc,
  market_cap_percentage_eth = excluded.market_cap_percentage_eth,
  market_cap_change_percentage_24h_usd = excluded.market_cap_change_percentage_24h_usd,
  active_cryptocurrencies = excluded.active_cryptocurrencies,
  markets = excluded.markets,
  updated_at = excluded.updated_at,
  source_file = excluded.source_file
