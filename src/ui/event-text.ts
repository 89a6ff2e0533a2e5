/** One line per run event, as the run page's log shows it (the live script renders streamed events alike). */
import type { RunEvent } from '../core/types.js';
import { formatDuration, formatValue } from './format.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';

export function eventLevel(event: RunEvent): Level {
  switch (event.type) {
    case 'log':
      return event.level;
    case 'run:failed':
    case 'step:failed':
      return 'error';
    case 'step:skipped':
      return 'warn';
    case 'check:evaluated':
      return event.passed ? 'info' : event.severity === 'error' ? 'error' : 'warn';
    default:
      return 'info';
  }
}

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
