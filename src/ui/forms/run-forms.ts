/**
 * The UI's run mutations: launch from an asset page, cancel, re-execute. The security hook has
 * already checked the CSRF token and who is asking; each answers 303 to the page showing the
 * result, or back with the error as a notice.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { StrataError } from '../../core/errors.js';
import { requestCancel } from '../../daemon/cancel-run.js';
import { queueRun } from '../../daemon/execute-run.js';
import { reexecute } from '../../daemon/retry-run.js';
import type { Runtime } from '../../runtime.js';
import { requireAsset } from '../../server/read-models/assets.js';
import { assetHref, runHref } from '../components.js';
import { AssetParams } from '../pages/asset.js';
import { RunParams } from '../pages/run.js';
import { parseOrThrow, redirectWithNotice } from '../respond.js';

const LaunchBody = z.object({ partition: z.string().trim().max(40).optional() });
const ReexecuteBody = z.object({ fromFailure: z.enum(['true', 'false']).default('true') });

/** Runs `action`; a StrataError (bad partition, run already ended) goes back to `back` as a notice. */
async function orNotice<T>(back: string, reply: Parameters<typeof redirectWithNotice>[0], action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof StrataError) || error.code.endsWith('_NOT_FOUND')) throw error;
    redirectWithNotice(reply, back, error.message, 'error');
    return undefined;
  }
}

export function registerRunForms(ui: FastifyInstance, runtime: Runtime): void {
  ui.post('/assets/*', { schema: { hide: true } }, async (request, reply) => {
    const { '*': path } = parseOrThrow(AssetParams, request.params, 'params');
    const key = path.replace(/\/launch$/, '');
    if (key === path) throw new StrataError('NOT_FOUND', `no form at POST /assets/${path}: launch runs with POST /assets/<key>/launch`);
    requireAsset(runtime, key);
    const body = parseOrThrow(LaunchBody, request.body, 'body');
    const run = await orNotice(assetHref(key), reply, () =>
      queueRun(runtime, { selection: key, ...(body.partition ? { partitionKey: body.partition } : {}) }),
    );
    if (run === undefined) return reply;
    return redirectWithNotice(reply, runHref(run.id), `Run queued: ${key}${run.partitionKey ? ` for ${run.partitionKey}` : ''}.`);
  });

  ui.post('/runs/:id/cancel', { schema: { hide: true } }, async (request, reply) => {
    const { id } = parseOrThrow(RunParams, request.params, 'params');
    const run = await orNotice(runHref(id), reply, () => requestCancel(runtime, id));
    if (run === undefined) return reply;
    return redirectWithNotice(reply, runHref(id), run.status === 'CANCELED' ? 'Run canceled.' : 'Cancel requested: the run stops within a few seconds.');
  });

  ui.post('/runs/:id/reexecute', { schema: { hide: true } }, async (request, reply) => {
    const { id } = parseOrThrow(RunParams, request.params, 'params');
    const { fromFailure } = parseOrThrow(ReexecuteBody, request.body, 'body');
    const run = await orNotice(runHref(id), reply, () => reexecute(runtime, id, { fromFailure: fromFailure === 'true' }));
    if (run === undefined) return reply;
    return redirectWithNotice(reply, runHref(run.id), `Re-execution of ${id.slice(0, 8)} queued${fromFailure === 'true' ? ' (from failure)' : ''}.`);
  });
}
