import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock, systemClock } from '../../src/core/clock.js';

describe('systemClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves after the delay', async () => {
    vi.useFakeTimers();
    let done = false;
    const sleeping = systemClock.sleep(1_000).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await sleeping;
    expect(done).toBe(true);
  });

  it('rejects with the signal reason when aborted while sleeping', async () => {
    const controller = new AbortController();
    const sleeping = systemClock.sleep(60_000, controller.signal);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const reason = new Error('already');
    await expect(systemClock.sleep(60_000, AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it('tells the current time', () => {
    const before = Date.now();
    const now = systemClock.now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});

describe('ManualClock', () => {
  it('starts at the given time and can be set', () => {
    const clock = new ManualClock(new Date('2026-11-23T06:00:00Z'));
    expect(clock.now().toISOString()).toBe('2026-11-23T06:00:00.000Z');
    clock.set(new Date('2027-01-01T00:00:00Z'));
    expect(clock.now().toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  it('resolves sleeps whose due time passed, earliest first', async () => {
    const clock = new ManualClock(new Date(0));
    const woke: string[] = [];
    const long = clock.sleep(300).then(() => woke.push('long'));
    const short = clock.sleep(100).then(() => woke.push('short'));
    const later = clock.sleep(1_000).then(() => woke.push('later'));
    expect(clock.pendingSleeps).toBe(3);
    clock.advance(300);
    await Promise.all([long, short]);
    expect(woke).toEqual(['short', 'long']);
    expect(clock.pendingSleeps).toBe(1);
    expect(clock.now().getTime()).toBe(300);
    clock.advance(700);
    await later;
    expect(woke).toEqual(['short', 'long', 'later']);
  });

  it('does not resolve a sleep before it is due', async () => {
    const clock = new ManualClock(new Date(0));
    let done = false;
    void clock.sleep(100).then(() => {
      done = true;
    });
    clock.advance(99);
    await Promise.resolve();
    expect(done).toBe(false);
    expect(clock.pendingSleeps).toBe(1);
  });

  it('reports each sleep through nextSleep, including ones started before the call', async () => {
    const clock = new ManualClock(new Date(0));
    void clock.sleep(50);
    const first = await clock.nextSleep();
    expect(first).toEqual({ ms: 50, dueAt: new Date(50) });
    const waiting = clock.nextSleep();
    void clock.sleep(70);
    expect((await waiting).ms).toBe(70);
  });

  it('rejects an aborted sleep with the reason and forgets it', async () => {
    const clock = new ManualClock(new Date(0));
    const controller = new AbortController();
    const sleeping = clock.sleep(100, controller.signal);
    const reason = new Error('canceled');
    controller.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
    expect(clock.pendingSleeps).toBe(0);
  });
});
