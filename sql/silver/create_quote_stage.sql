-- Staging for one load of unified quotes (silver.market_quotes), typed so COPY parses values and
-- a bad one fails the whole load's transaction, never half of it.
CREATE TEMP TABLE stage_market_quotes (
  source_coin_id               text NOT NULL,
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
  source_file                  text NOT NULL,
  source_row                   integer NOT NULL
) ON COMMIT DROP
