-- NOT NULL where the source guarantees a value. Reviewed against the zod schemas
-- (src/pipeline/sources/coingecko-schemas.ts) and every recording in tests/fixtures/coingecko:
-- - /global: active_cryptocurrencies, markets and updated_at are required, non-null counts, so
--   a response without them is quarantined and never reaches this table.
-- - /coins/markets: only id, symbol and name are required and non-null, and their columns are
--   NOT NULL since 0001. Every measure and date accepts null (dead and unranked coins; recordings
--   hold nulls in market_cap_rank, high_24h, total_supply, max_supply, fully_diluted_valuation,
--   roi, …): a NOT NULL there would fail a whole load instead of keeping the row as unknown.
-- - /global's per-currency figures (total_market_cap_usd, the btc/eth shares) stay nullable: the
--   schema does not require any one currency key.
ALTER TABLE silver.global_snapshots
  ALTER COLUMN active_cryptocurrencies SET NOT NULL,
  ALTER COLUMN markets SET NOT NULL,
  ALTER COLUMN updated_at SET NOT NULL;
