/**
 * The HTML UI: server-rendered pages over the same read models as the API, our own CSS and one
 * script (the live run log) under /static/, and forms that post back with a CSRF token. Errors
 * render as HTML pages with the status and a message, never as a JSON body.
 */
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { StrataError } from '../core/errors.js';
import type { Runtime } from '../runtime.js';
import { httpStatusFor } from '../server/error-codes.js';
import { registerServerTiming } from '../server/server-timing.js';
import { registerBackfillForms } from './forms/backfill-forms.js';
import { registerRunForms } from './forms/run-forms.js';
import { registerScheduleForms } from './forms/schedule-forms.js';
import { registerSensorForms } from './forms/sensor-forms.js';
import { renderErrorPage } from './layout.js';
import { FULL_LINEAGE_MAX_ASSETS, lineageLayout } from './lineage/layout.js';
import { registerAssetPage } from './pages/asset.js';
import { registerCatalogPage } from './pages/catalog.js';
import { registerBackfillPages } from './pages/backfills.js';
import { registerLineagePage } from './pages/lineage.js';
import { registerOverviewPage } from './pages/overview.js';
import { registerRunPage } from './pages/run.js';
import { registerRunsPage } from './pages/runs.js';
import { registerSchedulePages } from './pages/schedules.js';
import { registerSensorPages } from './pages/sensors.js';

export const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));

/** Status and message of an error as a page shows it. */
export function describeUiError(error: FastifyError): { status: number; message: string } {
  if (hasZodFastifySchemaValidationErrors(error)) return { status: 400, message: error.message };
  if (error instanceof StrataError) {
    const status = httpStatusFor(error.code);
    return { status, message: status >= 500 ? 'internal error' : error.message };
  }
  if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
    return { status: 403, message: 'This form was not sent from a page of this site, or it expired: reload the page and submit it again.' };
  }
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
  return { status, message: status >= 500 ? 'internal error' : error.message };
}

export async function registerUi(ui: FastifyInstance, runtime: Runtime): Promise<void> {
  await ui.register(fastifyStatic, { root: STATIC_DIR, prefix: '/static/', maxAge: '1h', index: false, list: false });

  ui.setErrorHandler((error: FastifyError, request, reply) => {
    const { status, message } = describeUiError(error);
    if (status >= 500) request.log.error({ err: error }, 'page failed');
    return reply.status(status).type('text/html; charset=utf-8').send(renderErrorPage(request, status, message));
  });

  // Lay the graph out before the server listens, so the first lineage page is as fast as the
  // rest; a graph too big to draw whole is never laid out whole (the page summarises it).
  ui.addHook('onReady', async () => {
    if (runtime.graph.nodes.length <= FULL_LINEAGE_MAX_ASSETS) lineageLayout(runtime.graph);
  });
  registerServerTiming(ui);

  registerOverviewPage(ui, runtime);
  registerCatalogPage(ui, runtime);
  registerLineagePage(ui, runtime);
  registerAssetPage(ui, runtime);
  registerRunsPage(ui, runtime);
  registerRunPage(ui, runtime);
  registerSchedulePages(ui, runtime);
  registerSensorPages(ui, runtime);
  registerBackfillPages(ui, runtime);
  registerRunForms(ui, runtime);
  registerScheduleForms(ui, runtime);
  registerSensorForms(ui, runtime);
  registerBackfillForms(ui, runtime);
}
