-- Silver loads a partition by deleting its rows and COPYing the new ones straight into
-- silver.market_snapshots, then adds the coins those rows name. The foreign key to silver.coins
-- is checked at COMMIT in that transaction (SET CONSTRAINTS … DEFERRED); every other writer
-- still has it checked at the end of each statement, as before.
ALTER TABLE silver.market_snapshots ALTER CONSTRAINT market_snapshots_coin_id_fkey DEFERRABLE INITIALLY IMMEDIATE;
