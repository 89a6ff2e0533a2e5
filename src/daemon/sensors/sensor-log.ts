/**
 * `ctx.log` of a sensor: each line goes to the daemon's logger and is kept (bounded) to be
 * stored with the evaluation, so "why did it request that" can be read in the UI.
 */
import type { StepLogger } from '../../core/types.js';
import type { Logger } from '../../logger.js';
import type { SensorLogLine } from '../../storage/sensor-tables.js';

/** A sensor that logs in a loop must not make one evaluation row megabytes long. */
const MAX_LINES = 200;
const MAX_MESSAGE = 2_000;

export interface SensorLog {
  readonly logger: StepLogger;
  /** The lines so far; after close(), later lines (a timed-out evaluation still running) are dropped. */
  lines(): SensorLogLine[];
  close(): void;
}

export function createSensorLog(logger: Logger, now: () => Date): SensorLog {
  const lines: SensorLogLine[] = [];
  let dropped = 0;
  let closed = false;
  const write = (level: SensorLogLine['level']) => (message: string, fields?: Record<string, unknown>) => {
    logger[level](fields ?? {}, message);
    if (closed) return;
    if (lines.length >= MAX_LINES) {
      dropped += 1;
      return;
    }
    lines.push({ at: now().toISOString(), level, message: String(message).slice(0, MAX_MESSAGE) });
  };
  return {
    logger: { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') },
    lines: () => (dropped === 0 ? [...lines] : [...lines, { at: now().toISOString(), level: 'warn', message: `${dropped} more lines not stored` }]),
    close: () => {
      closed = true;
    },
  };
}
