import { describe, expect, it } from 'vitest';
import { defineAsset, type AnyAsset } from '../../src/core/asset.js';
import { executeRun, planRun } from '../../src/core/executor.js';
import { buildGraph } from '../../src/core/graph.js';
import type { Resources } from '../../src/core/types.js';
import { runOptions } from './executor-fixtures.js';

/**
 * The injected slow resource: each step of a gated asset waits in `enter` until the test
 * releases it (or the run aborts), so the test decides when steps end and sees which are in
 * flight. `barrier(n)` lets no one through until n steps are waiting in it at once.
 */
class Latches {
  readonly inFlight = new Set<string>();
  private readonly releases = new Map<string, () => void>();
  private readonly arrivals = new Map<string, () => void>();
  readonly signals = new Map<string, AbortSignal>();
  private barrierWaiters: Array<() => void> = [];

  async enter(key: string, signal: AbortSignal): Promise<void> {
    this.inFlight.add(key);
    this.signals.set(key, signal);
    try {
      await new Promise<void>((resolve, reject) => {
        this.releases.set(key, resolve);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        this.arrivals.get(key)?.();
      });
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** Resolves once a step of `key` is waiting in `enter`. */
  entered(key: string): Promise<void> {
    if (this.releases.has(key)) return Promise.resolve();
    return new Promise((resolve) => this.arrivals.set(key, resolve));
  }

  release(key: string): void {
    this.releases.get(key)?.();
  }

  /** Waits until `parties` steps are in it together; only steps running concurrently can pass. */
  async barrier(parties: number): Promise<void> {
    await new Promise<void>((resolve) => {
      this.barrierWaiters.push(resolve);
      if (this.barrierWaiters.length === parties) for (const waiter of this.barrierWaiters.splice(0)) waiter();
    });
  }
}

const resourcesOf = (latches: Latches) => ({ latches }) as unknown as Resources;
const latchesIn = (resources: Resources) => (resources as unknown as { latches: Latches }).latches;

function gated(key: string, deps: Record<string, AnyAsset> = {}, pool?: string): AnyAsset {
  return defineAsset({
    key,
    layer: key.split('/')[0] as 'bronze',
    description: key,
    deps,
    ...(pool === undefined ? {} : { pool }),
    materialize: async (ctx) => {
      await latchesIn(ctx.resources).enter(key, ctx.signal);
      return { value: key };
    },
  });
}

function failing(key: string): AnyAsset {
  return defineAsset({
    key,
    layer: 'bronze',
    description: key,
    materialize: async () => {
      throw new Error('source down');
    },
  });
}

const plan = (assets: AnyAsset[]) => {
  const graph = buildGraph(assets);
  return { graph, steps: planRun(graph, [...graph.order], undefined) };
};

describe('executeRun, steps in parallel', () => {
  it('independent steps run at once: two that wait on one barrier both pass it; their downstream waits for both', async () => {
    const latches = new Latches();
    const barrierAsset = (key: string) =>
      defineAsset({
        key,
        layer: 'bronze',
        description: key,
        materialize: async (ctx) => {
          await latchesIn(ctx.resources).barrier(2);
          return { value: key };
        },
      });
    const left = barrierAsset('bronze/left');
    const right = barrierAsset('bronze/right');
    const joined = defineAsset({
      key: 'silver/joined',
      layer: 'silver',
      description: 'both',
      deps: { left, right },
      materialize: async (ctx) => ({ value: `${ctx.inputs.left}+${ctx.inputs.right}` }),
    });
    const { graph, steps } = plan([left, right, joined]);
    const { options, record } = runOptions(graph, steps, { resources: resourcesOf(latches), maxConcurrentSteps: 2 });
    const result = await executeRun(options);

    expect(result.status).toBe('SUCCESS');
    const types = record.types();
    const joinedStart = types.indexOf('step:started silver/joined');
    expect(types.indexOf('step:succeeded bronze/left')).toBeLessThan(joinedStart);
    expect(types.indexOf('step:succeeded bronze/right')).toBeLessThan(joinedStart);
    expect(record.events.find((event) => event.type === 'asset:materialized' && event.assetKey === 'silver/joined')).toMatchObject({
      value: 'bronze/left+bronze/right',
    });
  });

  it('holds the limit: with 2, the third of three independent steps starts only after one ended', async () => {
    const latches = new Latches();
    const { graph, steps } = plan([gated('bronze/a'), gated('bronze/b'), gated('bronze/c')]);
    const { options, record } = runOptions(graph, steps, { resources: resourcesOf(latches), maxConcurrentSteps: 2 });
    const running = executeRun(options);
    await Promise.all([latches.entered('bronze/a'), latches.entered('bronze/b')]);
    expect([...latches.inFlight].sort()).toEqual(['bronze/a', 'bronze/b']);
    latches.release('bronze/b');
    await latches.entered('bronze/c');
    expect([...latches.inFlight].sort()).toEqual(['bronze/a', 'bronze/c']);
    latches.release('bronze/a');
    latches.release('bronze/c');
    expect((await running).status).toBe('SUCCESS');

    // Ready steps start in graph order; c's start follows b's end in the event log too.
    const started = record.types().filter((type) => type.startsWith('step:started'));
    expect(started).toEqual(['step:started bronze/a', 'step:started bronze/b', 'step:started bronze/c']);
    expect(record.types().indexOf('step:succeeded bronze/b')).toBeLessThan(record.types().indexOf('step:started bronze/c'));
  });

  it('a failure skips only its downstream, naming it, while an independent branch runs on and finishes', async () => {
    const latches = new Latches();
    const broken = failing('bronze/broken');
    const slow = gated('bronze/slow');
    const { graph, steps } = plan([broken, gated('silver/after_broken', { broken }), slow, gated('silver/after_slow', { slow })]);
    const { options, record } = runOptions(graph, steps, { resources: resourcesOf(latches), maxConcurrentSteps: 4 });
    const running = executeRun(options);
    await latches.entered('bronze/slow');
    // The skip is decided while the other branch is still in flight.
    await turnsUntil(() => record.types().includes('step:skipped silver/after_broken'));
    expect(latches.inFlight.has('bronze/slow')).toBe(true);
    latches.release('bronze/slow');
    await latches.entered('silver/after_slow');
    latches.release('silver/after_slow');
    const result = await running;

    expect(result.status).toBe('FAILURE');
    expect(result.steps.map((step) => [step.assetKey, step.status])).toEqual([
      ['bronze/broken', 'FAILURE'],
      ['bronze/slow', 'SUCCESS'],
      ['silver/after_broken', 'SKIPPED'],
      ['silver/after_slow', 'SUCCESS'],
    ]);
    expect(record.events.find((event) => event.type === 'step:skipped')).toMatchObject({ reason: 'upstream bronze/broken failed' });
  });

  it('cancel stops every running step and skips the rest', async () => {
    const latches = new Latches();
    const a = gated('bronze/a');
    const { graph, steps } = plan([a, gated('bronze/b'), gated('silver/after', { a })]);
    const { options, record, controller } = runOptions(graph, steps, { resources: resourcesOf(latches), maxConcurrentSteps: 4 });
    const running = executeRun(options);
    await Promise.all([latches.entered('bronze/a'), latches.entered('bronze/b')]);
    controller.abort(new Error('canceled by user'));
    const result = await running;

    expect(result.status).toBe('CANCELED');
    expect(latches.signals.get('bronze/a')?.aborted && latches.signals.get('bronze/b')?.aborted).toBe(true);
    expect(result.steps.map((step) => [step.assetKey, step.status])).toEqual([
      ['bronze/a', 'CANCELED'],
      ['bronze/b', 'CANCELED'],
      ['silver/after', 'SKIPPED'],
    ]);
    expect(record.types().at(-1)).toBe('run:canceled');
  });

  it('a step waiting for its pool holds up no other ready step; cancel ends the wait', async () => {
    const latches = new Latches();
    const requests: string[] = [];
    const { graph, steps } = plan([gated('bronze/pooled', {}, 'api'), gated('bronze/free')]);
    const { options, controller } = runOptions(graph, steps, {
      resources: resourcesOf(latches),
      maxConcurrentSteps: 2,
      acquirePool: ({ pool, step, signal, log }) => {
        requests.push(`${pool} ${step.assetKey}`);
        log(`waiting for pool ${pool} (1 of 1 in use)`);
        // Never granted: only the abort ends it.
        return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
      },
    });
    const running = executeRun(options);
    await latches.entered('bronze/free');
    expect(requests).toEqual(['api bronze/pooled']);
    controller.abort(new Error('canceled by user'));
    const result = await running;
    expect(result.status).toBe('CANCELED');
    expect(result.steps.map((step) => [step.assetKey, step.status, step.error])).toEqual([
      ['bronze/free', 'CANCELED', 'canceled: canceled by user'],
      ['bronze/pooled', 'SKIPPED', 'run canceled'],
    ]);
  });

  it('a pool slot is released when its step ends, whatever the outcome', async () => {
    const latches = new Latches();
    const held: string[] = [];
    const broken = defineAsset({ ...failing('bronze/broken'), pool: 'api' });
    const { graph, steps } = plan([broken, gated('bronze/ok', {}, 'api')]);
    const { options } = runOptions(graph, steps, {
      resources: resourcesOf(latches),
      maxConcurrentSteps: 2,
      acquirePool: async ({ step }) => {
        held.push(step.assetKey);
        return async () => void held.splice(held.indexOf(step.assetKey), 1);
      },
    });
    const running = executeRun(options);
    await latches.entered('bronze/ok');
    await turnsUntil(() => !held.includes('bronze/broken'));
    expect(held).toEqual(['bronze/ok']);
    latches.release('bronze/ok');
    expect((await running).status).toBe('FAILURE');
    expect(held).toEqual([]);
  });

  it('beforeStep refusing a step starts no further one, lets the step in flight end and be reported, then rejects', async () => {
    const latches = new Latches();
    const a = gated('bronze/a');
    const { graph, steps } = plan([a, gated('bronze/b'), gated('silver/after', { a })]);
    let refusing = false;
    const { options, record } = runOptions(graph, steps, {
      resources: resourcesOf(latches),
      maxConcurrentSteps: 1,
      beforeStep: (step) => {
        if (refusing) throw new Error(`shutting down before ${step.assetKey}`);
      },
    });
    const running = executeRun(options);
    await latches.entered('bronze/a');
    refusing = true;
    latches.release('bronze/a');
    await expect(running).rejects.toThrow('shutting down before bronze/b');
    expect(record.types()).toContain('step:succeeded bronze/a');
    expect(record.types().filter((type) => type.startsWith('step:started'))).toEqual(['step:started bronze/a']);
  });
});

/** Resolves when `condition` holds, checking after each turn of the event loop (no timed sleep). */
async function turnsUntil(condition: () => boolean): Promise<void> {
  for (let turns = 0; !condition(); turns += 1) {
    if (turns > 10_000) throw new Error('condition never held');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
