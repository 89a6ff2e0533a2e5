/** POST /sensors/:name/toggle: start or stop a sensor (stored with who and when, so every daemon follows). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Runtime } from '../../runtime.js';
import { switchedBy } from '../../server/api/sensors.js';
import { switchSensor } from '../../server/read-models/sensors.js';
import { SensorParams } from '../pages/sensors.js';
import { parseOrThrow, redirectWithNotice } from '../respond.js';

const ToggleBody = z.object({ status: z.enum(['running', 'stopped']) });

export function registerSensorForms(ui: FastifyInstance, runtime: Runtime): void {
  ui.post('/sensors/:name/toggle', { schema: { hide: true } }, async (request, reply) => {
    const { name } = parseOrThrow(SensorParams, request.params, 'params');
    const body = parseOrThrow(ToggleBody, request.body, 'body');
    const sensor = await switchSensor(runtime, name, body.status, switchedBy('ui', request));
    const fromDetail = request.headers.referer?.includes(`/sensors/${name}`) === true;
    return redirectWithNotice(reply, fromDetail ? `/sensors/${encodeURIComponent(name)}` : '/sensors', `Sensor ${name} is ${sensor.status === 'running' ? 'on' : 'off'}.`);
  });
}
