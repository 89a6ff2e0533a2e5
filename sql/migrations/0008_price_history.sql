-- Daily price history per coin (CoinGecko /coins/{id}/market_chart/range) and the per-coin
-- checkpoint that lets bronze/coingecko_price_history fetch only the days it has not loaded.

-- One row per fetch whose response landed in bronze (committed): coin_id's days first_day ..
-- last_day are loaded. A day is loaded when a row covers it; fetches never overlap.
CREATE TABLE silver.price_history_loads (
  coin_id        text NOT NULL,
  first_day      date NOT NULL,
  last_day       date NOT NULL CHECK (last_day >= first_day),
  -- The bronze partition (a day) whose run fetched it, and the file under that partition.
  partition_key  text NOT NULL,
  source_file    text NOT NULL,
  fetched_at     timestamptz NOT NULL,
  PRIMARY KEY (partition_key, source_file)
);

CREATE INDEX price_history_loads_coin_idx ON silver.price_history_loads (coin_id, last_day);

-- Fetches started whose landing is not recorded yet: written before the request, removed when
-- the load is recorded (or the fetch failed). A row left by a crash is settled by the next run:
-- its file committed in bronze means it landed (it becomes a load), otherwise it never did.
CREATE TABLE silver.price_history_pending (
  coin_id        text NOT NULL,
  first_day      date NOT NULL,
  last_day       date NOT NULL CHECK (last_day >= first_day),
  partition_key  text NOT NULL,
  source_file    text NOT NULL,
  started_at     timestamptz NOT NULL,
  PRIMARY KEY (partition_key, source_file)
);

-- One row per coin and UTC day: the close (the day's last price point) and the market cap and
-- volume of the day's last points, exact.
CREATE TABLE silver.price_history (
  coin_id           text NOT NULL,
  day               date NOT NULL,
  price_usd         numeric,
  market_cap_usd    numeric,
  total_volume_usd  numeric,
  -- Price points within the day, and the time of the day's last point of any series.
  points            integer NOT NULL,
  last_point_at     timestamptz NOT NULL,
  source_file       text NOT NULL,
  PRIMARY KEY (coin_id, day)
);
