/**
 * Calls user code (a sensor's evaluate, a run-status handler) so that whatever it does is an
 * outcome, never an exception that escapes into the loop: a throw, a rejected promise, or not
 * settling within the timeout. On timeout its signal is aborted; code that ignores the signal
 * runs on, but nothing it returns afterwards is used.
 */
import { describeError } from '../../core/errors.js';
import type { Clock } from '../../core/types.js';

export type UserCallOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

/** How many stack lines are stored with a failed evaluation: enough to find the line, not a novel. */
const STACK_LINES = 6;

export async function callWithTimeout(
  call: (signal: AbortSignal) => unknown,
  options: { readonly clock: Clock; readonly timeoutMs: number; readonly signal: AbortSignal; readonly what: string },
): Promise<UserCallOutcome> {
  const controller = new AbortController();
  const forward = (): void => controller.abort(options.signal.reason);
  if (options.signal.aborted) forward();
  else options.signal.addEventListener('abort', forward, { once: true });
  const timer = new AbortController();
  const timeout = options.clock.sleep(options.timeoutMs, timer.signal).then(
    (): UserCallOutcome => {
      controller.abort(new Error(`${options.what} timed out`));
      return { ok: false, error: `${options.what} timed out after ${options.timeoutMs} ms (STRATA_SENSOR_TIMEOUT); retried at the next interval` };
    },
    // Aborted: the call settled first.
    (): UserCallOutcome => ({ ok: false, error: 'unreachable' }),
  );
  const result = (async (): Promise<UserCallOutcome> => {
    try {
      return { ok: true, value: await call(controller.signal) };
    } catch (error) {
      return { ok: false, error: describeFailure(error) };
    }
  })();
  try {
    return await Promise.race([result, timeout]);
  } finally {
    timer.abort();
    options.signal.removeEventListener('abort', forward);
  }
}

/** Frames from here on are the daemon calling the sensor: the same for every failure, so not stored. */
const OWN_FRAMES = import.meta.dirname;

/** The message, then the first lines of the stack that are the sensor's (without the message line it repeats). */
export function describeFailure(error: unknown): string {
  const message = describeError(error);
  if (!(error instanceof Error) || error.stack === undefined) return message;
  const all = error.stack.split('\n').filter((line) => /^\s+at /.test(line));
  const own = all.findIndex((line) => line.includes(OWN_FRAMES));
  const frames = (own === -1 ? all : all.slice(0, own)).slice(0, STACK_LINES).map((line) => line.trim());
  return frames.length === 0 ? message : `${message}\n${frames.join('\n')}`;
}
