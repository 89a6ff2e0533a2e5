/** POST /schedules/:name/toggle: switch a schedule on or off (stored, so every daemon sees it). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Runtime } from '../../runtime.js';
import { setScheduleOn } from '../../server/read-models/schedules.js';
import { ScheduleParams } from '../pages/schedules.js';
import { parseOrThrow, redirectWithNotice } from '../respond.js';

const ToggleBody = z.object({ enabled: z.enum(['true', 'false']) });

export function registerScheduleForms(ui: FastifyInstance, runtime: Runtime): void {
  ui.post('/schedules/:name/toggle', { schema: { hide: true } }, async (request, reply) => {
    const { name } = parseOrThrow(ScheduleParams, request.params, 'params');
    const body = parseOrThrow(ToggleBody, request.body, 'body');
    const schedule = await setScheduleOn(runtime, name, body.enabled === 'true');
    // Back to the page the form was on: the schedule's own page or the list.
    const fromDetail = request.headers.referer?.includes(`/schedules/${name}`) === true;
    return redirectWithNotice(reply, fromDetail ? `/schedules/${encodeURIComponent(name)}` : '/schedules', `Schedule ${name} is ${schedule.enabled ? 'on' : 'off'}.`);
  });
}
