import type { EventSink } from './event-sink.js';
import type { Clock, StepLogger } from './types.js';

/** A StepLogger whose lines become `log` events of the run. */
export function createStepLogger(
  sink: EventSink,
  clock: Clock,
  where: { runId: string; assetKey: string | null; partition: string | null },
): StepLogger {
  const line =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: Record<string, unknown>): void => {
      sink.post({ type: 'log', ...where, at: clock.now(), level, message, fields: fields ?? null });
    };
  return Object.freeze({ debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') });
}
