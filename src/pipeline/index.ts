/**
 * The shipped crypto pipeline as a definitions module: what every process loads when
 * STRATA_DEFINITIONS is unset, and what a project includes to build on it:
 *
 * ```ts
 * import { defineAsset, defineDefinitions } from 'strata';
 * import cryptoPipeline, { marketSnapshots } from 'strata/pipeline';
 *
 * export default (context) => defineDefinitions({ include: [cryptoPipeline(context)], assets: [myMart] });
 * ```
 *
 * It is written against the public API only (tests/pipeline/boundary.test.ts keeps it so).
 */
import { defineDefinitions, type Definitions, type DefinitionsContext } from '../index.js';
import { pipelineAssets } from './definitions.js';
import { defineCsvInboxSensor } from './inbox/csv-inbox-sensor.js';
import { createPipelineResources } from './pipeline-resources.js';
import { pipelineSchedules } from './schedules.js';
import { PIPELINE_MIGRATIONS_DIR, PIPELINE_MIGRATION_TABLE } from './sql-files.js';

/** The pipeline the configuration asks for (sources, price history), with its schedules, the CSV inbox sensor, resources and tables. */
export default function cryptoPipeline({ config }: DefinitionsContext): Definitions {
  return defineDefinitions({
    assets: pipelineAssets(config),
    schedules: pipelineSchedules(config),
    sensors: [
      defineCsvInboxSensor({
        inboxDir: config.inbox.dir,
        intervalSeconds: config.inbox.intervalSeconds,
        runPageUrl: (runId) => `${config.publicUrl}/runs/${runId}`,
      }),
    ],
    resources: createPipelineResources,
    migrations: [{ folder: PIPELINE_MIGRATIONS_DIR, table: PIPELINE_MIGRATION_TABLE }],
  });
}

/** The shipped migrations, for tools that set up a database without loading definitions. */
export const PIPELINE_MIGRATIONS = Object.freeze({ folder: PIPELINE_MIGRATIONS_DIR, table: PIPELINE_MIGRATION_TABLE });

export { coingeckoGlobal } from './bronze/coingecko-global.js';
export { coingeckoMarkets } from './bronze/coingecko-markets.js';
export { cryptoAnalyticsMart } from './gold/crypto-analytics-mart.js';
export { dailyCoinSummary } from './gold/daily-coin-summary.js';
export { importedQuotes } from './imports/imported-quotes.js';
export { marketSegmentAnalysis } from './gold/market-segment-analysis.js';
export { globalSnapshots } from './silver/global-snapshots.js';
export { marketSnapshots } from './silver/market-snapshots.js';
export type { PipelineResources, PipelineSettings } from './resources.js';
