-- Silver: validated, typed CoinGecko data. Money and supply are NUMERIC (exact), never float.
-- Columns carry CoinGecko's own field names so a reader can map them to the API docs.
CREATE SCHEMA IF NOT EXISTS silver;

CREATE TABLE silver.coins (
  coin_id        text PRIMARY KEY,
  symbol         text NOT NULL,
  name           text NOT NULL,
  image          text,
  first_seen_at  timestamptz NOT NULL,
  last_seen_at   timestamptz NOT NULL
);

CREATE TABLE silver.market_snapshots (
  coin_id                                  text NOT NULL REFERENCES silver.coins (coin_id),
  snapshot_at                              timestamptz NOT NULL,
  symbol                                   text NOT NULL,
  name                                     text NOT NULL,
  image                                    text,
  current_price                            numeric,
  market_cap                               numeric,
  market_cap_rank                          integer,
  fully_diluted_valuation                  numeric,
  total_volume                             numeric,
  high_24h                                 numeric,
  low_24h                                  numeric,
  price_change_24h                         numeric,
  price_change_percentage_24h              numeric,
  market_cap_change_24h                    numeric,
  market_cap_change_percentage_24h         numeric,
  circulating_supply                       numeric,
  total_supply                             numeric,
  max_supply                               numeric,
  ath                                      numeric,
  ath_change_percentage                    numeric,
  ath_date                                 timestamptz,
  atl                                      numeric,
  atl_change_percentage                    numeric,
  atl_date                                 timestamptz,
  roi                                      jsonb,
  last_updated                             timestamptz,
  price_change_percentage_1h_in_currency   numeric,
  price_change_percentage_24h_in_currency  numeric,
  price_change_percentage_7d_in_currency   numeric,
  price_change_percentage_30d_in_currency  numeric,
  price_change_percentage_1y_in_currency   numeric,
  -- Derived columns; definitions in README "Data model".
  market_cap_category                      text NOT NULL
    CHECK (market_cap_category IN ('mega', 'large', 'mid', 'small', 'micro', 'unknown')),
  price_volatility_24h                     numeric,
  volume_to_mcap_ratio                     numeric,
  circulating_to_total_supply_ratio        numeric,
  circulating_to_max_supply_ratio          numeric,
  -- Lineage back to bronze.
  source_file                              text NOT NULL,
  source_row                               integer NOT NULL,
  PRIMARY KEY (coin_id, snapshot_at)
);

CREATE INDEX market_snapshots_snapshot_rank_idx ON silver.market_snapshots (snapshot_at, market_cap_rank);

CREATE TABLE silver.global_snapshots (
  snapshot_at                           timestamptz PRIMARY KEY,
  total_market_cap_usd                  numeric,
  total_volume_usd                      numeric,
  market_cap_percentage_btc             numeric,
  market_cap_percentage_eth             numeric,
  market_cap_change_percentage_24h_usd  numeric,
  active_cryptocurrencies               integer,
  markets                               integer,
  updated_at                            timestamptz,
  source_file                           text NOT NULL
);

-- Rows that failed validation: never dropped, kept with the reason and the raw row.
CREATE TABLE silver.quarantine (
  id              bigserial PRIMARY KEY,
  asset_key       text NOT NULL,
  partition_key   text NOT NULL,
  coin_id         text,
  reason          text NOT NULL,
  raw_row         jsonb NOT NULL,
  source_file     text NOT NULL,
  source_row      integer NOT NULL,
  quarantined_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX quarantine_partition_idx ON silver.quarantine (asset_key, partition_key);
