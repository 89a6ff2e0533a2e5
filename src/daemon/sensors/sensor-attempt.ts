/** What one daemon's attempt at a sensor came to, and what every attempt is given. */
import type { Clock } from '../../core/types.js';
import type { SensorEvaluation } from '../../storage/sensor-evaluations.js';

export interface SensorAttemptOptions {
  readonly daemonId: string;
  readonly clock: Clock;
  /** STRATA_SENSOR_TIMEOUT: one evaluation (or one run-status handler call). */
  readonly timeoutMs: number;
  /** How long a claim holds; longer than the timeout, so a live evaluation keeps it. */
  readonly leaseMs: number;
  /** STRATA_HEARTBEAT_TIMEOUT: the claim of a daemon silent this long is free before its lease ends. */
  readonly heartbeatTimeoutMs: number;
  /** Aborted when the daemon stops. */
  readonly signal: AbortSignal;
}

export type SensorAttempt =
  /** Off, not due, or another daemon holds it. */
  | { readonly sensorName: string; readonly status: 'not-claimed' }
  /** Claimed, but another daemon claimed it after this one's lease ran out: nothing stored. */
  | { readonly sensorName: string; readonly status: 'lost-claim' }
  | { readonly sensorName: string; readonly status: 'committed'; readonly evaluations: readonly SensorEvaluation[]; readonly newRuns: number };

/** A claim holds for the timeout plus time to commit what was decided. */
export function leaseFor(timeoutMs: number): number {
  return timeoutMs + Math.min(30_000, Math.max(1_000, timeoutMs));
}
