/**
 * The JSON API, mounted at `/api/v1`. Every route declares zod schemas for its querystring,
 * params, body and responses, a tag and a summary, so `/docs` documents all of it; mutations
 * declare the `adminToken` security scheme (enforced for every /api mutation in security.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../runtime.js';
import type { RunEventFeed } from '../live/run-event-feed.js';
import { registerServerTiming } from '../server-timing.js';
import { registerAssetRoutes } from './assets.js';
import { registerAutomationRoutes } from './automation.js';
import { registerBackfillRoutes } from './backfills.js';
import { registerDriftRoutes } from './drift.js';
import { registerMartRoutes } from './marts.js';
import { registerRunActionRoutes } from './run-actions.js';
import { registerRunStreamRoute } from './run-stream.js';
import { registerRunRoutes } from './runs.js';
import { registerScheduleRoutes } from './schedules.js';
import { registerSensorRoutes } from './sensors.js';

export function registerApiV1(api: FastifyInstance, runtime: Runtime, runEventFeed: RunEventFeed): void {
  registerServerTiming(api);
  registerAssetRoutes(api, runtime);
  registerAutomationRoutes(api, runtime);
  registerRunRoutes(api, runtime);
  registerRunStreamRoute(api, runtime, runEventFeed);
  registerRunActionRoutes(api, runtime);
  registerScheduleRoutes(api, runtime);
  registerSensorRoutes(api, runtime);
  registerBackfillRoutes(api, runtime);
  registerMartRoutes(api, runtime);
  registerDriftRoutes(api, runtime);
}
