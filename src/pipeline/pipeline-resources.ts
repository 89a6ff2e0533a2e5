/**
 * The shipped pipeline's resources factory: CoinGecko and CoinPaprika clients whose plan limit
 * holds across every process on the database, the Parquet writer and the pipeline's settings.
 * The clients open no connection until an asset asks, so building them for every process is free.
 */
import { createDatabaseRateLimiter, type ResourceContext } from '../index.js';
import type { SourceName } from '../config.js';
import { createParquetWriter } from './parquet/index.js';
import type { PipelineResources } from './resources.js';
import { createCoinGeckoClient, createCoinPaprikaClient } from './sources/index.js';

export function createPipelineResources(context: ResourceContext): Omit<PipelineResources, 'database' | 'bronze'> {
  const { config, clock, logger, telemetry, database } = context;
  // The plan's limit holds across every process on this database, not per process.
  const sharedLimiter = (source: SourceName, plan: { rateLimitPerMinute: number; rateLimitWindowMs: number }) =>
    createDatabaseRateLimiter({
      db: database.db,
      source,
      limit: plan.rateLimitPerMinute,
      windowMs: plan.rateLimitWindowMs,
      clock,
      onWait: (ms) => telemetry.publish({ type: 'source:rate_limit_wait', source, ms }),
    });
  const requests = (source: SourceName) => ({ endpoint, status, durationMs }: { endpoint: string; status: number | null; durationMs: number }) =>
    telemetry.publish({ type: 'source:request', source, endpoint, status, durationMs });
  return {
    coingecko: createCoinGeckoClient(config.coingecko, {
      clock,
      logger: logger.child({ source: 'coingecko' }),
      onRequest: requests('coingecko'),
      limiter: sharedLimiter('coingecko', config.coingecko),
    }),
    coinpaprika: createCoinPaprikaClient(config.coinpaprika, {
      clock,
      logger: logger.child({ source: 'coinpaprika' }),
      onRequest: requests('coinpaprika'),
      limiter: sharedLimiter('coinpaprika', config.coinpaprika),
    }),
    parquet: createParquetWriter(),
    settings: {
      coins: config.coins,
      martTopN: config.martTopN,
      maxQuarantinePct: config.maxQuarantinePct,
      historyCoins: config.historyCoins,
      reconciliationThresholdPct: config.reconciliationThresholdPct,
      inboxDir: config.inbox.dir,
    },
  };
}
