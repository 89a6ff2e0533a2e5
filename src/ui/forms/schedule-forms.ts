/** POST /schedules/:name/toggle: switch a schedule on or off (stored, so every daemon sees it). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Runtime } from '../../runtime.js';
import { setScheduleEnabled } from '../../storage/index.js';
import { ScheduleParams } from '../pages/schedules.js';
import { requireSchedule } from '../queries/schedules.js';
import { parseOrThrow, redirectWithNotice } from '../respond.js';

const ToggleBody = z.object({ enabled: z.enum(['true', 'false']) });

export function registerScheduleForms(ui: FastifyInstance, runtime: Runtime): void {
  ui.post('/schedules/:name/toggle', { schema: { hide: true } }, async (request, reply) => {
    const { name } = parseOrThrow(ScheduleParams, request.params, 'params');
    const body = parseOrThrow(ToggleBody, request.body, 'body');
    requireSchedule(runtime, name);
    const state = await setScheduleEnabled(runtime.database.db, name, body.enabled === 'true', runtime.clock.now());
    const back = request.headers.referer?.includes(`/schedules/${name}`) ? `/schedules/${encodeURIComponent(name)}` : '/schedules';
    return redirectWithNotice(reply, back, `Schedule ${name} is ${state.enabled ? 'on' : 'off'}.`);
  });
}
