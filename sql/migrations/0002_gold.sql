-- Gold marts, one set of rows per six-hourly snapshot so history ("dominance over time") is kept.
-- A partition rebuild replaces its snapshot's rows in one transaction: readers never see a gap.
CREATE SCHEMA IF NOT EXISTS gold;

CREATE TABLE gold.crypto_analytics_mart (
  snapshot_at                  timestamptz NOT NULL,
  coin_id                      text NOT NULL,
  market_cap_rank              integer NOT NULL,
  symbol                       text NOT NULL,
  name                         text NOT NULL,
  current_price                numeric,
  market_cap                   numeric,
  total_volume                 numeric,
  price_change_percentage_24h  numeric,
  market_dominance_pct         numeric,
  dominance_basis              text NOT NULL CHECK (dominance_basis IN ('global', 'snapshot_sum')),
  price_trend_category         text CHECK (price_trend_category IN ('strong_up', 'up', 'flat', 'down', 'strong_down')),
  volume_to_mcap_ratio         numeric,
  liquidity_category           text CHECK (liquidity_category IN ('high', 'medium', 'low')),
  market_cap_category          text NOT NULL,
  return_7d_pct                numeric,
  volatility_7d_pct            numeric,
  return_30d_pct               numeric,
  volatility_30d_pct           numeric,
  PRIMARY KEY (snapshot_at, coin_id)
);

CREATE TABLE gold.market_segment_analysis (
  snapshot_at              timestamptz NOT NULL,
  market_cap_category      text NOT NULL,
  coin_count               integer NOT NULL,
  total_market_cap         numeric,
  market_share_pct         numeric,
  total_volume             numeric,
  avg_price_change_24h     numeric,
  median_price_change_24h  numeric,
  PRIMARY KEY (snapshot_at, market_cap_category)
);

-- The newest snapshot of each mart: what dashboards and the API show by default.
CREATE VIEW gold.crypto_analytics_mart_latest AS
  SELECT * FROM gold.crypto_analytics_mart
  WHERE snapshot_at = (SELECT max(snapshot_at) FROM gold.crypto_analytics_mart);

CREATE VIEW gold.market_segment_analysis_latest AS
  SELECT * FROM gold.market_segment_analysis
  WHERE snapshot_at = (SELECT max(snapshot_at) FROM gold.market_segment_analysis);
