-- Gold marts over the unified quotes (silver.market_quotes), every source side by side.

-- Per coin and six-hourly snapshot: each source's price, how far apart they are, and a flag when
-- the spread is above the threshold in force when the row was built.
CREATE TABLE gold.source_reconciliation (
  snapshot_at     timestamptz NOT NULL,
  coin_id         text NOT NULL,
  symbol          text NOT NULL,
  name            text NOT NULL,
  -- How many sources quoted a price for the coin in this snapshot window.
  source_count    integer NOT NULL CHECK (source_count > 0),
  -- {"coingecko": 97123.4, "coinpaprika": 97080.1}: each source's price, exact.
  prices          jsonb NOT NULL,
  min_price       numeric NOT NULL,
  max_price       numeric NOT NULL,
  -- (max_price - min_price) / min_price * 100: how far the highest quote is above the lowest.
  spread_pct      numeric,
  threshold_pct   numeric NOT NULL,
  flagged         boolean NOT NULL,
  PRIMARY KEY (snapshot_at, coin_id)
);

CREATE INDEX source_reconciliation_flagged_idx ON gold.source_reconciliation (snapshot_at, spread_pct DESC) WHERE flagged;

-- Per source, coin and UTC day: open/high/low/close of the price over the day's snapshots,
-- average volume, market cap at close.
CREATE TABLE gold.market_daily (
  day                 date NOT NULL,
  source              text NOT NULL,
  coin_id             text NOT NULL,
  symbol              text NOT NULL,
  name                text NOT NULL,
  open_price          numeric,
  high_price          numeric,
  low_price           numeric,
  close_price         numeric,
  avg_volume_usd      numeric,
  market_cap_close    numeric,
  snapshot_count      integer NOT NULL CHECK (snapshot_count > 0),
  first_snapshot_at   timestamptz NOT NULL,
  last_snapshot_at    timestamptz NOT NULL,
  PRIMARY KEY (day, source, coin_id)
);

CREATE INDEX market_daily_coin_idx ON gold.market_daily (coin_id, day);
