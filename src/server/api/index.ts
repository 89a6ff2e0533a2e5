/** The JSON API, mounted at `/api/v1`: every input and output is a zod schema, published at `/docs`. */
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../runtime.js';
import { registerAssetRoutes } from './assets.js';
import { registerBackfillRoutes } from './backfills.js';
import { registerDriftRoutes } from './drift.js';
import { registerRunActionRoutes } from './run-actions.js';
import { registerRunRoutes } from './runs.js';

export function registerApiV1(api: FastifyInstance, runtime: Runtime): void {
  registerAssetRoutes(api, runtime);
  registerRunRoutes(api, runtime);
  registerRunActionRoutes(api, runtime);
  registerBackfillRoutes(api, runtime);
  registerDriftRoutes(api, runtime);
}
