/**
 * The availability tracker alone, with a scripted probe: one line per outage whatever the
 * number of failures reported, probes backing off until one succeeds, waiters released then.
 */
import { describe, expect, it } from 'vitest';
import { createAvailabilityTracker } from '../../src/storage/database-availability.js';

function recorder() {
  const lines: string[] = [];
  return { lines, logger: { info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`) } };
}

const terminated = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });

describe('database availability', () => {
  it('an outage is one line when it starts and one when it ends, however many failures are reported', async () => {
    const { lines, logger } = recorder();
    let failuresLeft = 3;
    const probes: number[] = [];
    const tracker = createAvailabilityTracker({
      logger,
      backoff: { initialDelayMs: 1, factor: 2, maxDelayMs: 8, jitter: 0 },
      probe: async () => {
        probes.push(probes.length);
        if (failuresLeft-- > 0) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      },
    });
    const changes: boolean[] = [];
    tracker.onChange((available) => changes.push(available));
    expect(tracker.available).toBe(true);

    for (let i = 0; i < 10; i++) tracker.lost(terminated);
    expect(tracker.available).toBe(false);
    expect(tracker.unavailableSince).toBeInstanceOf(Date);
    await tracker.whenAvailable();

    expect(tracker.available).toBe(true);
    expect(probes).toHaveLength(4);
    expect(changes).toEqual([false, true]);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^warn database connection lost \(57P01 terminating connection due to administrator command\); not ready until it is back/);
    expect(lines[1]).toMatch(/^info database connection restored after \d+\.\d s \(4 reconnect attempts\)/);

    tracker.lost(terminated);
    await tracker.whenAvailable();
    expect(tracker.outages).toBe(2);
    expect(lines).toHaveLength(4);
    tracker.close();
  });

  it('a waiter gives up when its signal aborts; close stops probing', async () => {
    const tracker = createAvailabilityTracker({ probe: () => Promise.reject(new Error('down')), backoff: { initialDelayMs: 1, factor: 1, maxDelayMs: 1, jitter: 0 } });
    tracker.lost(new Error('Connection terminated unexpectedly'));
    const controller = new AbortController();
    const waiting = tracker.whenAvailable(controller.signal);
    controller.abort(new Error('stopped'));
    await expect(waiting).rejects.toThrow('stopped');
    tracker.close();
    expect(tracker.available).toBe(false);
  });
});
