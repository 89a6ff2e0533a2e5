-- The daily per-coin summary: one row per coin per UTC day, built from that day's six-hourly
-- silver snapshots. A day's rebuild replaces its rows in one transaction. Definitions: README.
CREATE TABLE gold.daily_coin_summary (
  day                date NOT NULL,
  coin_id            text NOT NULL,
  symbol             text NOT NULL,
  name               text NOT NULL,
  open_price         numeric,
  high_price         numeric,
  low_price          numeric,
  close_price        numeric,
  avg_total_volume   numeric,
  market_cap_close   numeric,
  snapshot_count     integer NOT NULL CHECK (snapshot_count > 0),
  first_snapshot_at  timestamptz NOT NULL,
  last_snapshot_at   timestamptz NOT NULL,
  PRIMARY KEY (day, coin_id)
);
