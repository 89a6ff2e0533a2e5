-- $1 = snapshot_at. Casts the staged text to typed columns, derives the computed columns in
-- NUMERIC (NULL when an input is NULL or a divisor is 0) and merges by (coin_id, snapshot_at).
WITH typed AS (
  SELECT
    coin_id,
    $1::timestamptz                                    AS snapshot_at,
    symbol,
    name,
    image,
    current_price::numeric                             AS current_price,
    market_cap::numeric                                AS market_cap,
    market_cap_rank::integer                           AS market_cap_rank,
    fully_diluted_valuation::numeric                   AS fully_diluted_valuation,
    total_volume::numeric                              AS total_volume,
    high_24h::numeric                                  AS high_24h,
    low_24h::numeric                                   AS low_24h,
    price_change_24h::numeric                          AS price_change_24h,
    price_change_percentage_24h::numeric               AS price_change_percentage_24h,
    market_cap_change_24h::numeric                     AS market_cap_change_24h,
    market_cap_change_percentage_24h::numeric          AS market_cap_change_percentage_24h,
    circulating_supply::numeric                        AS circulating_supply,
    total_supply::numeric                              AS total_supply,
    max_supply::numeric                                AS max_supply,
    ath::numeric                                       AS ath,
    ath_change_percentage::numeric                     AS ath_change_percentage,
    ath_date::timestamptz                              AS ath_date,
    atl::numeric                                       AS atl,
    atl_change_percentage::numeric                     AS atl_change_percentage,
    atl_date::timestamptz                              AS atl_date,
    roi::jsonb                                         AS roi,
    last_updated::timestamptz                          AS last_updated,
    price_change_percentage_1h_in_currency::numeric    AS price_change_percentage_1h_in_currency,
    price_change_percentage_24h_in_currency::numeric   AS price_change_percentage_24h_in_currency,
    price_change_percentage_7d_in_currency::numeric    AS price_change_percentage_7d_in_currency,
    price_change_percentage_30d_in_currency::numeric   AS price_change_percentage_30d_in_currency,
    price_change_percentage_1y_in_currency::numeric    AS price_change_percentage_1y_in_currency,
    source_file,
    source_row
  FROM stage_market_snapshots
)
INSERT INTO silver.market_snapshots (
  coin_id, snapshot_at, symbol, name, image, current_price, market_cap, market_cap_rank,
  fully_diluted_valuation, total_volume, high_24h, low_24h, price_change_24h,
  price_change_percentage_24h, market_cap_change_24h, market_cap_change_percentage_24h,
  circulating_supply, total_supply, max_supply, ath, ath_change_percentage, ath_date, atl,
  atl_change_percentage, atl_date, roi, last_updated, price_change_percentage_1h_in_currency,
  price_change_percentage_24h_in_currency, price_change_percentage_7d_in_currency,
  price_change_percentage_30d_in_currency, price_change_percentage_1y_in_currency,
  market_cap_category, price_volatility_24h, volume_to_mcap_ratio,
  circulating_to_total_supply_ratio, circulating_to_max_supply_ratio, source_file, source_row
)
SELECT
  coin_id, snapshot_at, symbol, name, image, current_price, market_cap, market_cap_rank,
  fully_diluted_valuation, total_volume, high_24h, low_24h, price_change_24h,
  price_change_percentage_24h, market_cap_change_24h, market_cap_change_percentage_24h,
  circulating_supply, total_supply, max_supply, ath, ath_change_percentage, ath_date, atl,
  atl_change_percentage, atl_date, roi, last_updated, price_change_percentage_1h_in_currency,
  price_change_percentage_24h_in_currency, price_change_percentage_7d_in_currency,
  price_change_percentage_30d_in_currency, price_change_percentage_1y_in_currency,
  CASE
    WHEN market_cap IS NULL OR market_cap <= 0 THEN 'unknown'
    WHEN market_cap >= 200e9 THEN 'mega'
    WHEN market_cap >= 10e9 THEN 'large'
    WHEN market_cap >= 1e9 THEN 'mid'
    WHEN market_cap >= 100e6 THEN 'small'
    ELSE 'micro'
  END,
  (high_24h - low_24h) / NULLIF(low_24h, 0) * 100,
  total_volume / NULLIF(market_cap, 0),
  circulating_supply / NULLIF(total_supply, 0),
  circulating_supply / NULLIF(max_supply, 0),
  source_file,
  source_row
FROM typed
ON CONFLICT (coin_id, snapshot_at) DO UPDATE SET
  symbol = excluded.symbol,
  name = excluded.name,
  image = excluded.image,
  current_price = excluded.current_price,
  market_cap = excluded.market_cap,
  market_cap_rank = excluded.market_cap_rank,
  fully_diluted_valuation = excluded.fully_diluted_valuation,
  total_volume = excluded.total_volume,
  high_24h = excluded.high_24h,
  low_24h = excluded.low_24h,
  price_change_24h = excluded.price_change_24h,
  price_change_percentage_24h = excluded.price_change_percentage_24h,
  market_cap_change_24h = excluded.market_cap_change_24h,
  market_cap_change_percentage_24h = excluded.market_cap_change_percentage_24h,
  circulating_supply = excluded.circulating_supply,
  total_supply = excluded.total_supply,
  max_supply = excluded.max_supply,
  ath = excluded.ath,
  ath_change_percentage = excluded.ath_change_percentage,
  ath_date = excluded.ath_date,
  atl = excluded.atl,
  atl_change_percentage = excluded.atl_change_percentage,
  atl_date = excluded.atl_date,
  roi = excluded.roi,
  last_updated = excluded.last_updated,
  price_change_percentage_1h_in_currency = excluded.price_change_percentage_1h_in_currency,
  price_change_percentage_24h_in_currency = excluded.price_change_percentage_24h_in_currency,
  price_change_percentage_7d_in_currency = excluded.price_change_percentage_7d_in_currency,
  price_change_percentage_30d_in_currency = excluded.price_change_percentage_30d_in_currency,
  price_change_percentage_1y_in_currency = excluded.price_change_percentage_1y_in_currency,
  market_cap_category = excluded.market_cap_category,
  price_volatility_24h = excluded.price_volatility_24h,
  volume_to_mcap_ratio = excluded.volume_to_mcap_ratio,
  circulating_to_total_supply_ratio = excluded.circulating_to_total_supply_ratio,
  circulating_to_max_supply_ratio = excluded.circulating_to_max_supply_ratio,
  source_file = excluded.source_file,
  source_row = excluded.source_row
