/**
 * How a step of a run waits for a slot of its asset's pool: try to take one (pool-slots.ts);
 * when the pool is full, say so once in the step's log and wait for a slot to be freed (the
 * in-process bus, fed by NOTIFY on Postgres) or for the poll interval, whichever comes first,
 * then try again. The run's abort signal ends the wait.
 */
import type { PoolRequest, ReleasePool } from '../core/executor.js';
import { plannedStepKey } from '../core/partition-range.js';
import type { Runtime } from '../runtime.js';
import { releasePoolSlot, tryAcquirePoolSlot, type PoolSlot } from '../storage/index.js';
import { announcePoolSlotFreed, onPoolSlotMaybeFree } from './queue-signals.js';

/** A notification can be lost (a reconnecting listener, PGlite shared by processes): look again this often. */
const POLL_INTERVAL_MS = 1000;

/** The executor's `acquirePool` for the steps of run `runId`; a pool with no configured size is not limited. */
export function poolSlotAcquirer(runtime: Runtime, runId: string, pollIntervalMs = POLL_INTERVAL_MS): (request: PoolRequest) => Promise<ReleasePool> {
  const { database, clock, config } = runtime;
  return async ({ pool, step, signal, log }) => {
    const size = config.poolSizes[pool];
    if (size === undefined) return async () => {};
    const slot: PoolSlot = { pool, runId, stepKey: plannedStepKey(step) };
    let told = false;
    for (;;) {
      signal.throwIfAborted();
      // Listening before looking: a slot freed between the look and the wait still wakes it.
      const woken = new AbortController();
      const unsubscribe = onPoolSlotMaybeFree(database, () => woken.abort());
      try {
        const attempt = await tryAcquirePoolSlot(database.db, slot, size, clock.now(), config.heartbeatTimeoutMs);
        if (attempt.acquired) return () => release(runtime, slot);
        if (!told) log(`waiting for pool ${pool} (${attempt.inUse} of ${size} in use)`);
        told = true;
        await clock.sleep(pollIntervalMs, AbortSignal.any([signal, woken.signal])).catch((error: unknown) => {
          if (signal.aborted) throw error;
        });
      } finally {
        unsubscribe();
      }
    }
  };
}

async function release(runtime: Runtime, slot: PoolSlot): Promise<void> {
  try {
    await releasePoolSlot(runtime.database.db, slot);
    announcePoolSlotFreed(runtime.database);
  } catch (error) {
    // Not fatal: the slot stops counting once the run ends.
    runtime.logger.warn({ err: error, runId: slot.runId, pool: slot.pool, step: slot.stepKey }, 'could not free a pool slot; it is freed when the run ends');
  }
}
