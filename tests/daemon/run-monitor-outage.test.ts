/**
 * The run monitor after a database outage: no worker could heartbeat while the database was
 * away, so a run whose last beat is older than the timeout is not failed at once on recovery;
 * it is judged again one timeout later (its worker, if alive, has beaten by then).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/manual-clock.js';
import { queueRun } from '../../src/daemon/execute-run.js';
import { startRunMonitor } from '../../src/daemon/run-monitor.js';
import { createAvailabilityTracker } from '../../src/storage/database-availability.js';
import { getRun, setRunStatus } from '../../src/storage/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { StepGates, testGraph, testRuntime } from './queue-harness.js';

describe('run monitor after a database outage', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('run_monitor_outage');
  });
  afterAll(async () => {
    await database?.destroy();
  });

  it('waits one heartbeat timeout after the database is back before failing a silent run', async () => {
    let reachable = false;
    const availability = createAvailabilityTracker({
      probe: async () => {
        if (!reachable) throw new Error('connect ECONNREFUSED');
      },
      backoff: { initialDelayMs: 1, factor: 1, maxDelayMs: 1, jitter: 0 },
    });
    const clock = new ManualClock(new Date('2026-12-03T06:00:00Z'));
    const runtime = testRuntime({ ...database, availability }, { clock, assets: testGraph(new StepGates()), env: { STRATA_HEARTBEAT_TIMEOUT: '30' } });
    const timeoutMs = runtime.config.heartbeatTimeoutMs;
    const run = await queueRun(runtime, { selection: 'gold/free' });
    // Its worker's last beat was before the outage, longer ago than the timeout.
    await setRunStatus(database.db, run.id, 'STARTING', { workerId: 'worker:a', at: new Date(clock.now().getTime() - 2 * timeoutMs) });

    availability.lost(new Error('terminating connection due to administrator command'));
    const monitor = startRunMonitor(runtime, { clock, intervalMs: timeoutMs });
    reachable = true;
    await availability.whenAvailable();

    // The first pass after recovery: within the grace, the run is left alone.
    await clock.nextSleep();
    expect((await getRun(database.db, run.id))?.status).toBe('STARTING');

    // One timeout later, still silent: failed.
    clock.advance(timeoutMs);
    await clock.nextSleep();
    const failed = await getRun(database.db, run.id);
    expect(failed?.status).toBe('FAILURE');
    expect(failed?.error).toMatch(/^worker worker:a stopped heartbeating/);
    await monitor.stop();
    availability.close();
  });
});
