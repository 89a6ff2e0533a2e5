/** The context handed to sensor code: the parts both kinds of sensor share (a plain sensor adds its cursor). */
import type { SensorContext } from '../../core/sensor.js';
import type { Runtime } from '../../runtime.js';
import type { SensorState } from '../../storage/sensor-state.js';
import type { SensorLog } from './sensor-log.js';
import type { SensorAttemptOptions } from './sensor-attempt.js';
import { runForKey } from './run-for-key.js';

export function sensorContext(
  runtime: Runtime,
  claimed: SensorState,
  log: SensorLog,
  signal: AbortSignal,
  options: SensorAttemptOptions,
): Omit<SensorContext, 'cursor'> {
  return Object.freeze({
    sensorName: claimed.name,
    lastEvaluatedAt: claimed.lastEvaluatedAt ?? undefined,
    clock: options.clock,
    log: log.logger,
    resources: runtime.resources,
    signal,
    runForKey: (key: string) => runForKey(runtime, claimed.name, key),
  });
}
