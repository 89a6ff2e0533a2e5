/**
 * What an event changes in the current-state tables, as data: the run's new status and the
 * step row's columns. Shared by applying one event (event-log.ts) and a batch (apply-event-batch.ts),
 * so the two cannot drift apart.
 */
import type { RunEvent, RunStatus, StepStatus } from '../core/types.js';

export interface StepChange {
  readonly status: StepStatus;
  readonly attempts?: number;
  readonly started_at?: Date | null;
  readonly ended_at?: Date | null;
  readonly duration_ms?: number | null;
  readonly error?: string | null;
  readonly metadata?: string;
}

export function runTransitionOf(event: RunEvent): { readonly to: RunStatus; readonly error?: string } | undefined {
  switch (event.type) {
    case 'run:started':
      return { to: 'STARTED' };
    case 'run:succeeded':
      return { to: 'SUCCESS' };
    case 'run:failed':
      return { to: 'FAILURE', error: event.message };
    case 'run:canceled':
      return { to: 'CANCELED' };
    default:
      return undefined;
  }
}

/**
 * Steps may be recorded without a prior step:started (a skipped step never starts), so every
 * step change is an upsert. `keepStatus`: an existing step keeps its status.
 */
export interface StepEffect {
  readonly assetKey: string;
  readonly partition: string | null;
  readonly change: StepChange;
  readonly keepStatus: boolean;
}

export function stepChangeOf(event: RunEvent): StepEffect | undefined {
  const effect = stepEffect(event);
  return effect === undefined || !('assetKey' in event) || event.assetKey === null
    ? undefined
    : // A range step's materializations (one per partition) belong to the step named by its range.
      { assetKey: event.assetKey, partition: event.type === 'asset:materialized' && event.range !== undefined ? event.range : event.partition, ...effect };
}

function stepEffect(event: RunEvent): Pick<StepEffect, 'change' | 'keepStatus'> | undefined {
  switch (event.type) {
    case 'step:started':
      return {
        change: { status: 'RUNNING', attempts: event.attempt, started_at: event.at, ended_at: null, duration_ms: null, error: null },
        keepStatus: false,
      };
    case 'step:succeeded':
      return { change: { status: 'SUCCESS', ended_at: event.at, duration_ms: event.durationMs, error: null }, keepStatus: false };
    case 'step:failed':
      // A failure that will be retried leaves the step RUNNING (waiting out its backoff),
      // with the error of the attempt that failed; the next step:started clears it.
      return {
        change: {
          status: event.willRetry ? 'RUNNING' : 'FAILURE',
          attempts: event.attempt,
          ended_at: event.willRetry ? null : event.at,
          error: event.message,
        },
        keepStatus: false,
      };
    case 'step:skipped':
      return { change: { status: 'SKIPPED', ended_at: event.at, error: event.reason }, keepStatus: false };
    case 'asset:materialized':
      return { change: { status: 'RUNNING', metadata: JSON.stringify(event.metadata) }, keepStatus: true };
    default:
      return undefined;
  }
}
