-- The unified market schema: one row per source, source coin and snapshot, whatever the provider.
-- Each source adapter (src/pipeline/sources/adapter.ts) maps its provider's rows to these
-- columns; silver.market_snapshots keeps CoinGecko's full row besides. Money is NUMERIC (exact).
CREATE TABLE silver.market_quotes (
  source                       text NOT NULL CHECK (source ~ '^[a-z][a-z0-9_]{0,39}$'),
  -- The provider's own id ('btc-bitcoin' at CoinPaprika); for CoinGecko and CSV it is coin_id.
  source_coin_id               text NOT NULL,
  -- The unified id (CoinGecko's id space). NULL: the provider's coin is not in silver.coin_id_map
  -- yet. Such rows are kept and reported (silver.unmapped_coins), never dropped or guessed.
  coin_id                      text,
  snapshot_at                  timestamptz NOT NULL,
  symbol                       text NOT NULL,
  name                         text NOT NULL,
  price_usd                    numeric,
  market_cap_usd               numeric,
  total_volume_usd             numeric,
  market_cap_rank              integer,
  circulating_supply           numeric,
  total_supply                 numeric,
  max_supply                   numeric,
  price_change_percentage_24h  numeric,
  last_updated                 timestamptz,
  -- Lineage: the bronze file (or imported CSV file) and the row (or line) it came from.
  source_file                  text NOT NULL,
  source_row                   integer NOT NULL,
  PRIMARY KEY (source, source_coin_id, snapshot_at)
);

CREATE INDEX market_quotes_coin_idx ON silver.market_quotes (coin_id, snapshot_at);
CREATE INDEX market_quotes_snapshot_idx ON silver.market_quotes (snapshot_at, source);

-- The maintained mapping from a provider's coin ids to the unified ids, one to one per source:
-- two provider coins never become one unified coin, and symbols never decide (five `weth`).
CREATE TABLE silver.coin_id_map (
  source          text NOT NULL,
  source_coin_id  text NOT NULL,
  coin_id         text NOT NULL,
  PRIMARY KEY (source, source_coin_id),
  UNIQUE (source, coin_id)
);

-- Provider coins with no unified id: what the mapping table should learn next.
CREATE VIEW silver.unmapped_coins AS
SELECT
  q.source,
  q.source_coin_id,
  (array_agg(q.symbol ORDER BY q.snapshot_at DESC))[1] AS symbol,
  (array_agg(q.name ORDER BY q.snapshot_at DESC))[1] AS name,
  min(q.snapshot_at) AS first_seen_at,
  max(q.snapshot_at) AS last_seen_at,
  count(*)::int AS snapshots
FROM silver.market_quotes q
WHERE q.coin_id IS NULL
GROUP BY q.source, q.source_coin_id;

-- CSV files imported by `strata import`: a file already imported (same source, same bytes)
-- changes nothing when imported again.
CREATE TABLE silver.imports (
  source        text NOT NULL,
  file_sha256   text NOT NULL,
  file_name     text NOT NULL,
  rows          integer NOT NULL,
  quarantined   integer NOT NULL,
  imported_at   timestamptz NOT NULL,
  PRIMARY KEY (source, file_sha256)
);

-- The CoinGecko quotes already in silver, so the unified table starts complete.
INSERT INTO silver.market_quotes (
  source, source_coin_id, coin_id, snapshot_at, symbol, name, price_usd, market_cap_usd,
  total_volume_usd, market_cap_rank, circulating_supply, total_supply, max_supply,
  price_change_percentage_24h, last_updated, source_file, source_row
)
SELECT
  'coingecko', coin_id, coin_id, snapshot_at, symbol, name, current_price, market_cap,
  total_volume, market_cap_rank, circulating_supply, total_supply, max_supply,
  price_change_percentage_24h, last_updated, source_file, source_row
FROM silver.market_snapshots;
