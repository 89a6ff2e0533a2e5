-- $1 = source. Gives staged quotes without a unified id the one silver.coin_id_map holds for
-- the provider's coin; coins the map does not know keep NULL (reported, never guessed).
UPDATE stage_market_quotes st SET coin_id = m.coin_id
FROM silver.coin_id_map m
WHERE st.coin_id IS NULL AND m.source = $1 AND m.source_coin_id = st.source_coin_id
