-- Silver: validated, typed CoinGecko data. Money and supply are NUMERIC (exact), never float.
-- Columns carry CoinGecko's own field names so a reader can map them to the API docs.
CREATE SCHEMA IF NOT EXISTS silver;

-- The coin dimension: the names of the newest snapshot that holds the coin, and the first
-- snapshot that held it. No last_seen_at: it would rewrite every coin row on every snapshot;
-- it is max(snapshot_at) of the coin's snapshots (silver.coin_activity, below).
CREATE TABLE silver.coins (
  coin_id        text PRIMARY KEY,
  symbol         text NOT NULL,
  name           text NOT NULL,
  image          text,
  first_seen_at  timestamptz NOT NULL
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
  -- Derived columns; definitions in README "Data model". Generated, so every writer (the merge,
  -- ON CONFLICT DO UPDATE, a manual fix) gets the same values and the merge need not list them.
  market_cap_category                      text NOT NULL GENERATED ALWAYS AS (CASE
      WHEN market_cap IS NULL OR market_cap <= 0 THEN 'unknown'
      WHEN market_cap >= 200e9 THEN 'mega'
      WHEN market_cap >= 10e9 THEN 'large'
      WHEN market_cap >= 1e9 THEN 'mid'
      WHEN market_cap >= 100e6 THEN 'small'
      ELSE 'micro'
    END) STORED
    CHECK (market_cap_category IN ('mega', 'large', 'mid', 'small', 'micro', 'unknown')),
  price_volatility_24h                     numeric GENERATED ALWAYS AS ((high_24h - low_24h) / NULLIF(low_24h, 0) * 100) STORED,
  volume_to_mcap_ratio                     numeric GENERATED ALWAYS AS (total_volume / NULLIF(market_cap, 0)) STORED,
  circulating_to_total_supply_ratio        numeric GENERATED ALWAYS AS (circulating_supply / NULLIF(total_supply, 0)) STORED,
  circulating_to_max_supply_ratio          numeric GENERATED ALWAYS AS (circulating_supply / NULLIF(max_supply, 0)) STORED,
  -- Lineage back to bronze.
  source_file                              text NOT NULL,
  source_row                               integer NOT NULL,
  PRIMARY KEY (coin_id, snapshot_at)
);

CREATE INDEX market_snapshots_snapshot_rank_idx ON silver.market_snapshots (snapshot_at, market_cap_rank);

-- When each coin was first and last seen. last_seen_at is one backward scan of the primary key
-- per coin, so it costs nothing at load time.
CREATE VIEW silver.coin_activity AS
SELECT
  c.coin_id,
  c.first_seen_at,
  (SELECT max(s.snapshot_at) FROM silver.market_snapshots s WHERE s.coin_id = c.coin_id) AS last_seen_at
FROM silver.coins c;

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
