-- Staging for one partition's coin-days, typed: COPY parses the numbers and times, so a value
-- PostgreSQL rejects fails the whole partition's transaction, never half of it.
CREATE TEMP TABLE stage_price_history (
  coin_id           text NOT NULL,
  day               date NOT NULL,
  price_usd         numeric,
  market_cap_usd    numeric,
  total_volume_usd  numeric,
  points            integer NOT NULL,
  last_point_at     timestamptz NOT NULL,
  source_file       text NOT NULL
) ON COMMIT DROP
