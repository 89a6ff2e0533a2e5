import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/manual-clock.js';
import { createRateLimiter } from '../../src/rate-limit/rate-limiter.js';
import { RecordingClock, maxInWindow } from './recording-clock.js';

describe('createRateLimiter', () => {
  it('spaces sequential starts so no 60 s window holds more than the limit', async () => {
    const clock = new RecordingClock();
    const limiter = createRateLimiter({ limit: 3, clock });
    const t0 = clock.now().getTime();
    const starts: number[] = [];
    for (let i = 0; i < 7; i++) {
      await limiter.acquire();
      starts.push(clock.now().getTime() - t0);
    }
    expect(starts).toEqual([0, 0, 0, 60_000, 60_000, 60_000, 120_000]);
  });

  it('holds the limit for many concurrent callers', async () => {
    const clock = new ManualClock();
    const limiter = createRateLimiter({ limit: 5, clock });
    const t0 = clock.now().getTime();
    const starts: number[] = [];
    const all = Promise.all(
      Array.from({ length: 23 }, () => limiter.acquire().then(() => starts.push(clock.now().getTime() - t0))),
    );
    // Step time by 1 s and let woken callers run (a macrotask turn drains their promise chains).
    for (let step = 0; step < 600 && starts.length < 23; step++) {
      await new Promise((resolve) => setImmediate(resolve));
      clock.advance(1_000);
    }
    await all;
    expect(maxInWindow(starts, 60_000)).toBe(5);
    expect(starts).toEqual([...Array(5).fill(0), ...Array(5).fill(60_000), ...Array(5).fill(120_000), ...Array(5).fill(180_000), ...Array(3).fill(240_000)]);
  });

  it('counts a rolling window, not calendar minutes', async () => {
    const clock = new RecordingClock(new Date('2026-01-01T00:00:50.000Z'));
    const limiter = createRateLimiter({ limit: 2, clock });
    await limiter.acquire();
    clock.advance(9_000); // 00:00:59
    await limiter.acquire();
    clock.advance(2_000); // 00:01:01: a new calendar minute, but two starts within the last 60 s
    await limiter.acquire();
    // Waited until the first start (00:00:50) left the window, at 00:01:50.
    expect(clock.sleeps).toEqual([49_000]);
    expect(clock.now().toISOString()).toBe('2026-01-01T00:01:50.000Z');
  });

  it('releases a waiter exactly when the oldest start leaves the window', async () => {
    const clock = new ManualClock();
    const limiter = createRateLimiter({ limit: 2, clock });
    await limiter.acquire();
    await limiter.acquire();
    let granted = false;
    const third = limiter.acquire().then(() => {
      granted = true;
    });
    expect((await clock.nextSleep()).ms).toBe(60_000);
    clock.advance(59_999);
    await Promise.resolve();
    expect(granted).toBe(false);
    clock.advance(1);
    await third;
    expect(granted).toBe(true);
    expect(await limiter.inWindow()).toBe(1);
  });

  it('pauseUntil holds every caller even with room in the window', async () => {
    const clock = new RecordingClock();
    const waits: number[] = [];
    const limiter = createRateLimiter({ limit: 100, clock, onWait: (ms) => waits.push(ms) });
    await limiter.pauseUntil(new Date(clock.now().getTime() + 119_000));
    await limiter.pauseUntil(new Date(clock.now().getTime() + 5_000)); // an earlier pause never shortens it
    await Promise.all([limiter.acquire(), limiter.acquire()]);
    expect(clock.sleeps[0]).toBe(119_000);
    expect(waits[0]).toBe(119_000);
  });

  it('rejects with the abort reason, and frees nothing it did not take', async () => {
    const clock = new ManualClock();
    const limiter = createRateLimiter({ limit: 1, clock });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    await clock.nextSleep();
    controller.abort(new Error('run canceled'));
    await expect(waiting).rejects.toThrow('run canceled');
    expect(await limiter.inWindow()).toBe(1);
    await expect(limiter.acquire(controller.signal)).rejects.toThrow('run canceled');
  });

  it('counts a request from its end once it has ended: a late arrival does not open the next window early', async () => {
    const clock = new RecordingClock();
    const limiter = createRateLimiter({ limit: 1, clock });
    const start = await limiter.acquire();
    clock.advance(5_000); // the request took 5 s: the server may have counted it at any point of those
    await limiter.ended(start);
    await limiter.acquire();
    expect(clock.sleeps).toEqual([60_000]);
  });

  it('refuses a nonsensical limit', () => {
    expect(() => createRateLimiter({ limit: 0, clock: new RecordingClock() })).toThrow(RangeError);
  });
});
