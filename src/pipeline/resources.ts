/**
 * What the crypto pipeline's assets get from the outside world, added to the core's
 * `Resources` by declaration merging so the core never imports the pipeline.
 */
import type { StrataDatabase } from '../index.js';
import type { BronzeStore } from '../index.js';
import type { ParquetWriter } from './parquet/index.js';
import type { CoinGeckoClient, CoinPaprikaClient } from './sources/index.js';

export interface PipelineSettings {
  /** How many coins bronze/coingecko_markets fetches (pages of 250). */
  readonly coins: number;
  /** How many coins, by market_cap_rank, the analytics mart holds. */
  readonly martTopN: number;
  /** silver/market_snapshots' `quarantine_ratio` check fails above this share of a partition, in percent. */
  readonly maxQuarantinePct: number;
  /** How many coins, top by market-cap rank, bronze/coingecko_price_history fetches daily history for. */
  readonly historyCoins: number;
  /** gold/source_reconciliation flags a spread between sources above this, in percent. */
  readonly reconciliationThresholdPct: number;
  /** The CSV inbox folder (STRATA_DATA_DIR/inbox): silver/imported_quotes reads the file its run's tags name under it. */
  readonly inboxDir: string;
}

export interface PipelineResources {
  readonly database: StrataDatabase;
  readonly bronze: BronzeStore;
  readonly coingecko: CoinGeckoClient;
  readonly coinpaprika: CoinPaprikaClient;
  readonly parquet: ParquetWriter;
  readonly settings: PipelineSettings;
}

declare module '../core/types.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Resources extends PipelineResources {}
}
