import { describe, expect, it } from 'vitest';
import { RunEventBus } from '../../src/core/events.js';
import type { RunEvent } from '../../src/core/types.js';

const started: RunEvent = { type: 'run:started', runId: 'r1', at: new Date(0) };
const succeeded: RunEvent = { type: 'run:succeeded', runId: 'r1', at: new Date(5), durationMs: 5 };

describe('RunEventBus', () => {
  it('delivers events to subscribers until they unsubscribe', () => {
    const bus = new RunEventBus();
    const seen: string[] = [];
    const unsubscribe = bus.subscribe((event) => seen.push(event.type));
    bus.publish(started);
    unsubscribe();
    bus.publish(succeeded);
    expect(seen).toEqual(['run:started']);
  });

  it('filters by type with on()', () => {
    const bus = new RunEventBus();
    const durations: number[] = [];
    bus.on('run:succeeded', (event) => durations.push(event.durationMs));
    bus.publish(started);
    bus.publish(succeeded);
    expect(durations).toEqual([5]);
  });

  it('still calls every listener when one throws, then rethrows', () => {
    const bus = new RunEventBus();
    const seen: string[] = [];
    bus.subscribe(() => {
      throw new Error('broken listener');
    });
    bus.subscribe((event) => seen.push(event.type));
    expect(() => bus.publish(started)).toThrow('broken listener');
    expect(seen).toEqual(['run:started']);
  });

  it('hands listener errors to onListenerError when given', () => {
    const errors: unknown[] = [];
    const bus = new RunEventBus({ onListenerError: (error) => errors.push(error) });
    bus.subscribe(() => {
      throw new Error('a');
    });
    bus.subscribe(() => {
      throw new Error('b');
    });
    expect(() => bus.publish(started)).not.toThrow();
    expect(errors.map((error) => (error as Error).message)).toEqual(['a', 'b']);
  });

  it('lets a listener unsubscribe while being called', () => {
    const bus = new RunEventBus();
    const seen: string[] = [];
    const unsubscribe = bus.subscribe(() => {
      seen.push('first');
      unsubscribe();
    });
    bus.subscribe(() => seen.push('second'));
    bus.publish(started);
    bus.publish(started);
    expect(seen).toEqual(['first', 'second', 'second']);
  });
});
