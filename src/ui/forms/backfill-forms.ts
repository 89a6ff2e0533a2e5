/** POST /backfills (start one) and POST /backfills/:id/cancel. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { StrataError } from '../../core/errors.js';
import { cancelBackfill, createBackfill } from '../../daemon/backfill.js';
import type { Runtime } from '../../runtime.js';
import { BackfillParams } from '../pages/backfills.js';
import { parseOrThrow, redirectWithNotice } from '../respond.js';

const CreateBody = z.object({
  selection: z.string().trim().min(1, 'a selection is required').max(2000),
  from: z.string().trim().min(1, 'the first partition is required').max(40),
  to: z.string().trim().min(1, 'the last partition is required').max(40),
});

export function registerBackfillForms(ui: FastifyInstance, runtime: Runtime): void {
  ui.post('/backfills', { schema: { hide: true } }, async (request, reply) => {
    const parsed = CreateBody.safeParse(request.body ?? {});
    if (!parsed.success) {
      return redirectWithNotice(reply, '/backfills', parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '), 'error');
    }
    try {
      const created = await createBackfill(runtime, parsed.data);
      return redirectWithNotice(reply, `/backfills/${created.backfill.id}`, `Backfill started: ${created.runs.length} runs queued.`);
    } catch (error) {
      if (!(error instanceof StrataError)) throw error;
      return redirectWithNotice(reply, '/backfills', error.message, 'error');
    }
  });

  ui.post('/backfills/:id/cancel', { schema: { hide: true } }, async (request, reply) => {
    const { id } = parseOrThrow(BackfillParams, request.params, 'params');
    try {
      const result = await cancelBackfill(runtime, id);
      return redirectWithNotice(reply, `/backfills/${id}`, `Backfill canceled: ${result.canceledRuns.length} queued runs canceled, ${result.cancelRequestedRuns.length} asked to stop.`);
    } catch (error) {
      if (!(error instanceof StrataError) || error.code.endsWith('_NOT_FOUND')) throw error;
      return redirectWithNotice(reply, `/backfills/${id}`, error.message, 'error');
    }
  });
}
