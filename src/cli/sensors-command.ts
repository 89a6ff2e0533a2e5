import { userInfo } from 'node:os';
import { ValidationError } from '../core/errors.js';
import type { Runtime } from '../runtime.js';
import { sensorList, switchSensor, type SensorSummary } from '../server/read-models/sensors.js';
import { formatTable, print } from './output.js';

export interface SensorsArgs {
  /** [] lists; ['start', name] or ['stop', name] switches one sensor. */
  readonly args: readonly string[];
  readonly json: boolean;
}

/** `strata sensors [--json]` and `strata sensors start|stop <name>`. */
export async function sensorsCommand(runtime: Runtime, options: SensorsArgs): Promise<number> {
  const [action, name, ...extra] = options.args;
  if (action === undefined) return listSensors(runtime, options.json);
  if ((action !== 'start' && action !== 'stop') || name === undefined || extra.length > 0) {
    throw new ValidationError('usage: strata sensors [--json] | strata sensors start|stop <name>');
  }
  const sensor = await switchSensor(runtime, name, action === 'start' ? 'running' : 'stopped', `cli (${operator()})`);
  print(`sensor ${name} is ${sensor.status === 'running' ? 'on' : 'off'}`);
  return 0;
}

function operator(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown user';
  }
}

async function listSensors(runtime: Runtime, json: boolean): Promise<number> {
  const sensors = await sensorList(runtime);
  if (json) {
    print(JSON.stringify(sensors, null, 2));
    return 0;
  }
  print(
    formatTable(
      ['sensor', 'kind', 'state', 'interval', 'next due (UTC)', 'last evaluation'],
      sensors.map((sensor) => [
        sensor.name,
        sensor.kind === 'sensor' ? 'sensor' : `run-status (${sensor.on?.join(', ') ?? ''})`,
        `${sensor.status === 'running' ? 'on' : 'off'}${sensor.statusSource === 'operator' ? ` (${sensor.statusChangedBy ?? ''})` : ''}`,
        `${sensor.minimumIntervalSeconds} s`,
        sensor.nextDueAt === null ? '-' : sensor.nextDueAt.toISOString(),
        describeLatest(sensor),
      ]),
    ),
  );
  return 0;
}

function describeLatest(sensor: SensorSummary): string {
  const evaluation = sensor.latestEvaluation;
  if (evaluation === null) return '-';
  const at = evaluation.startedAt.toISOString();
  if (evaluation.outcome === 'requested') return `${at} requested ${evaluation.runRequests.map((run) => run.runId).join(', ')}`;
  if (evaluation.outcome === 'skipped') return `${at} skipped: ${evaluation.skipReason ?? ''}`;
  return `${at} failed: ${evaluation.error?.split('\n')[0] ?? ''}`;
}
