/**
 * From what a sensor asked for to the runs to store: each request goes through prepareRun (the
 * selection and partition checks every run gets), with trigger 'sensor', the sensor's name in
 * its tags and its run key namespaced. One bad request fails the whole evaluation: a sensor
 * that asks for [a, b] gets both or neither, and its cursor stays where it was.
 */
import { describeError } from '../../core/errors.js';
import type { Runtime } from '../../runtime.js';
import type { RunToQueue } from '../../storage/sensor-commit.js';
import { prepareRun } from '../execute-run.js';
import type { ValidRunRequest } from './sensor-result.js';
import { sensorRunKey } from './sensor-run-key.js';

export type PreparedRequests = { readonly ok: true; readonly runs: readonly RunToQueue[] } | { readonly ok: false; readonly reason: string };

export function prepareSensorRuns(runtime: Runtime, sensorName: string, requests: readonly ValidRunRequest[]): PreparedRequests {
  const runs: RunToQueue[] = [];
  for (const [index, request] of requests.entries()) {
    try {
      const input = prepareRun(runtime, {
        selection: request.selection,
        ...(request.partitionKey === undefined ? {} : { partitionKey: request.partitionKey }),
        trigger: 'sensor',
        // Ours last: a sensor cannot pass its runs off as another's.
        tags: { ...request.tags, sensor: sensorName, ...(request.runKey === undefined ? {} : { sensor_run_key: request.runKey }) },
        ...(request.runKey === undefined ? {} : { runKey: sensorRunKey(sensorName, request.runKey) }),
      });
      runs.push({ runKey: request.runKey ?? null, input });
    } catch (error) {
      return { ok: false, reason: `run request ${index + 1} of ${requests.length} (selection '${request.selection}'): ${describeError(error)}` };
    }
  }
  return { ok: true, runs };
}
