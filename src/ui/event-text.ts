/** One line per run event, as the run page's log shows it (the live script renders streamed events alike). */
import type { RunEvent } from '../core/types.js';
import { formatDuration, formatValue } from './format.js';

/** Stored with the event; the live script derives it alike for streamed events. */
export { eventLevel } from '../storage/event-log.js';

export function eventMessage(event: RunEvent): string {
  switch (event.type) {
    case 'run:started':
      return 'run started';
    case 'run:succeeded':
      return `run succeeded in ${formatDuration(event.durationMs)}`;
    case 'run:failed':
      return event.message;
    case 'run:canceled':
      return 'run canceled';
    case 'step:started':
      return `attempt ${event.attempt}`;
    case 'step:succeeded':
      return `succeeded in ${formatDuration(event.durationMs)}`;
    case 'step:failed':
      return `${event.message}${event.willRetry ? ` (retrying in ${formatDuration(event.retryInMs)})` : ''}`;
    case 'step:skipped':
      return event.reason;
    case 'asset:materialized': {
      const metadata = Object.entries(event.metadata ?? {})
        .slice(0, 6)
        .map(([name, value]) => `${name}=${formatValue(value)}`)
        .join(' ');
      return `materialized in ${formatDuration(event.durationMs)}${metadata ? ` · ${metadata}` : ''}`;
    }
    case 'check:evaluated':
      return `check '${event.check}' ${event.passed ? 'passed' : 'failed'}${event.message === null ? '' : `: ${event.message}`}`;
    case 'log':
      return event.message;
  }
}
