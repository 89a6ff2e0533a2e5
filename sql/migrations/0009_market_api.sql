-- Indexes the market-data API (/api/v1/market) pages and sorts on, so every page it serves is an
-- index range scan, however long the history grows.

-- /market/latest: the newest snapshot of each source is max(snapshot_at) at the end of this
-- index, and its quotes come out in market-cap-rank order (coins without a rank last, ordered by
-- their source id) without sorting the snapshot.
CREATE INDEX market_quotes_latest_rank_idx ON silver.market_quotes
  (source, snapshot_at, (coalesce(market_cap_rank, 2147483647)), source_coin_id);

-- /market/coins?source= asks "did this source ever quote this coin" (one probe per coin), and
-- /market/coins/{id}/history?source= reads one coin's quotes from one source in time order.
CREATE INDEX market_quotes_coin_source_idx ON silver.market_quotes (coin_id, source, snapshot_at);

-- /market/coins?symbol= and sort=symbol: symbols repeat (five `weth`), so the key ends in coin_id.
CREATE INDEX coins_symbol_idx ON silver.coins (symbol, coin_id);

-- /market/marts/{mart}?coin_id=: one coin's rows in key order, instead of walking every coin's.
CREATE INDEX crypto_analytics_mart_coin_idx ON gold.crypto_analytics_mart (coin_id, snapshot_at);
CREATE INDEX daily_coin_summary_coin_idx ON gold.daily_coin_summary (coin_id, day);
CREATE INDEX source_reconciliation_coin_idx ON gold.source_reconciliation (coin_id, snapshot_at);
