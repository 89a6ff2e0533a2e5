-- The table gold/top_gainers (definitions.ts) writes. A migration runs once, in a transaction;
-- change a table with a new numbered file, never by editing this one.
CREATE TABLE gold.top_gainers (
  snapshot_at                  timestamptz NOT NULL,
  rank                         integer NOT NULL,
  coin_id                      text NOT NULL,
  symbol                       text NOT NULL,
  current_price                numeric,
  price_change_percentage_24h  numeric NOT NULL,
  PRIMARY KEY (snapshot_at, rank)
);
