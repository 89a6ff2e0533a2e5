import { describe, expect, it } from 'vitest';
import { defineAsset } from '../../src/core/asset.js';
import { ValidationError } from '../../src/core/errors.js';
import { executeRun, planRun } from '../../src/core/executor.js';
import { buildGraph } from '../../src/core/graph.js';
import { sixHourlyPartitions } from '../../src/core/partitions.js';
import type { RetryPolicy } from '../../src/core/types.js';
import { PARTITION, raw, runOptions } from './executor-fixtures.js';

const retry: Partial<RetryPolicy> = { maxRetries: 3, initialDelayMs: 1_000, factor: 2, maxDelayMs: 60_000, jitter: 0 };

/** A six-hourly silver asset reading bronze/raw whose behaviour the test supplies. */
function flaky(materialize: (attempt: number, signal: AbortSignal) => Promise<void>, policy: Partial<RetryPolicy> = retry) {
  return defineAsset({
    key: 'silver/flaky',
    layer: 'silver',
    description: '',
    partitions: sixHourlyPartitions,
    deps: { raw },
    retry: policy,
    materialize: async (ctx) => {
      await materialize(ctx.attempt, ctx.signal);
      return { value: ctx.inputs.raw.rows };
    },
  });
}

describe('executeRun retries', () => {
  it('retries after the backoff delay, then succeeds', async () => {
    const attempts: number[] = [];
    const asset = flaky(async (attempt) => {
      attempts.push(attempt);
      if (attempt < 3) throw new Error(`flake ${attempt}`);
    });
    const graph = buildGraph([asset, raw]);
    const { options, clock, record } = runOptions(graph, planRun(graph, ['bronze/raw', 'silver/flaky'], PARTITION));
    const running = executeRun(options);

    expect((await clock.nextSleep()).ms).toBe(1_000);
    clock.advance(1_000);
    expect((await clock.nextSleep()).ms).toBe(2_000);
    expect(attempts).toEqual([1, 2]);
    clock.advance(2_000);
    const result = await running;

    expect(result.status).toBe('SUCCESS');
    expect(attempts).toEqual([1, 2, 3]);
    expect(result.steps[1]).toMatchObject({ status: 'SUCCESS', attempts: 3, durationMs: 3_000 });
    const failures = record.events.filter((event) => event.type === 'step:failed');
    expect(failures).toMatchObject([
      { attempt: 1, message: `silver/flaky [${PARTITION}]: flake 1`, retryable: true, willRetry: true, retryInMs: 1_000 },
      { attempt: 2, willRetry: true, retryInMs: 2_000 },
    ]);
    expect(record.types().slice(4)).toEqual([
      'step:started silver/flaky',
      'step:failed silver/flaky',
      'step:started silver/flaky',
      'step:failed silver/flaky',
      'step:started silver/flaky',
      'asset:materialized silver/flaky',
      'step:succeeded silver/flaky',
      'run:succeeded',
    ]);
  });

  it('fails after the last retry', async () => {
    const asset = flaky(async () => {
      throw new Error('always');
    }, { ...retry, maxRetries: 1 });
    const graph = buildGraph([asset, raw]);
    const { options, clock, record } = runOptions(graph, planRun(graph, ['bronze/raw', 'silver/flaky'], PARTITION));
    const running = executeRun(options);
    await clock.nextSleep();
    clock.advance(1_000);
    const result = await running;

    expect(result.status).toBe('FAILURE');
    expect(result.steps[1]).toMatchObject({ status: 'FAILURE', attempts: 2, error: `silver/flaky [${PARTITION}]: always` });
    expect(record.events.filter((event) => event.type === 'step:failed').at(-1)).toMatchObject({ attempt: 2, willRetry: false, retryInMs: null });
    expect(record.events.at(-1)).toMatchObject({ type: 'run:failed', message: `1 step(s) failed: silver/flaky [${PARTITION}]: always` });
    expect(clock.pendingSleeps).toBe(0);
  });

  it('does not retry a fatal error', async () => {
    let calls = 0;
    const asset = flaky(async () => {
      calls++;
      throw new ValidationError('row 3: price is not a number');
    });
    const graph = buildGraph([asset, raw]);
    const { options, clock, record } = runOptions(graph, planRun(graph, ['bronze/raw', 'silver/flaky'], PARTITION));
    const result = await executeRun(options);

    expect(calls).toBe(1);
    expect(clock.pendingSleeps).toBe(0);
    expect(result.steps[1]).toMatchObject({ status: 'FAILURE', attempts: 1 });
    expect(record.events.find((event) => event.type === 'step:failed')).toMatchObject({ retryable: false, willRetry: false });
  });

  it('wraps errors from asset code with the asset key and partition', async () => {
    const asset = flaky(async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'usd')");
    }, { maxRetries: 0 });
    const graph = buildGraph([asset, raw]);
    const { options } = runOptions(graph, planRun(graph, ['bronze/raw', 'silver/flaky'], PARTITION));
    const result = await executeRun(options);
    expect(result.steps[1]?.error).toBe(`silver/flaky [${PARTITION}]: Cannot read properties of undefined (reading 'usd')`);
  });

  it('fails a step whose materialize returns no value', async () => {
    const empty = defineAsset({
      key: 'bronze/empty',
      layer: 'bronze',
      description: '',
      retry: { maxRetries: 2 },
      materialize: async () => ({ value: undefined }),
    });
    const graph = buildGraph([empty]);
    const { options } = runOptions(graph, planRun(graph, ['bronze/empty'], undefined));
    const result = await executeRun(options);
    expect(result.steps[0]).toMatchObject({ status: 'FAILURE', attempts: 1 });
    expect(result.steps[0]?.error).toContain('bronze/empty: materialize must return');
  });
});

describe('executeRun failures and skips', () => {
  it('skips what is downstream of a failure while an independent branch still runs', async () => {
    const ran: string[] = [];
    const make = (key: string, deps: Record<string, ReturnType<typeof defineAsset>>, fail = false) =>
      defineAsset({
        key,
        layer: key.split('/')[0] as 'bronze',
        description: '',
        deps,
        materialize: async () => {
          ran.push(key);
          if (fail) throw new Error('source down');
          return { value: key };
        },
      });
    const broken = make('bronze/broken', {}, true);
    const fine = make('bronze/fine', {});
    const afterBroken = make('silver/after_broken', { broken });
    const afterFine = make('silver/after_fine', { fine });
    const both = make('gold/both', { afterBroken, afterFine });
    const graph = buildGraph([both, afterFine, afterBroken, fine, broken]);
    const { options, record } = runOptions(graph, planRun(graph, [...graph.order], undefined));
    const result = await executeRun(options);

    expect(result.status).toBe('FAILURE');
    expect(ran).toEqual(['bronze/broken', 'bronze/fine', 'silver/after_fine']);
    expect(result.steps.map((step) => [step.assetKey, step.status])).toEqual([
      ['bronze/broken', 'FAILURE'],
      ['bronze/fine', 'SUCCESS'],
      ['silver/after_broken', 'SKIPPED'],
      ['silver/after_fine', 'SUCCESS'],
      ['gold/both', 'SKIPPED'],
    ]);
    const skipped = record.events.filter((event) => event.type === 'step:skipped');
    expect(skipped.map((event) => event.reason)).toEqual(['upstream bronze/broken failed', 'upstream bronze/broken failed']);
    expect(record.events.at(-1)).toMatchObject({ type: 'run:failed', message: '1 step(s) failed: bronze/broken: source down' });
  });
});

describe('executeRun cancellation', () => {
  it('cancels the running step, skips the rest, and ends CANCELED', async () => {
    let started!: () => void;
    const stepStarted = new Promise<void>((resolve) => (started = resolve));
    const asset = flaky(
      (_attempt, signal) =>
        new Promise<void>((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason));
          started();
        }),
    );
    const after = defineAsset({
      key: 'gold/after',
      layer: 'gold',
      description: '',
      partitions: sixHourlyPartitions,
      deps: { asset },
      materialize: async () => ({ value: 1 }),
    });
    const graph = buildGraph([after, asset, raw]);
    const { options, controller, record, clock } = runOptions(graph, planRun(graph, [...graph.order], PARTITION));
    const running = executeRun(options);
    await stepStarted;
    controller.abort(new Error('canceled by user'));
    const result = await running;

    expect(result.status).toBe('CANCELED');
    expect(result.steps.map((step) => step.status)).toEqual(['SUCCESS', 'CANCELED', 'SKIPPED']);
    expect(result.steps[1]?.error).toBe('canceled: canceled by user');
    expect(clock.pendingSleeps).toBe(0);
    expect(record.types().slice(-3)).toEqual(['step:failed silver/flaky', 'step:skipped gold/after', 'run:canceled']);
    expect(record.events.at(-2)).toMatchObject({ reason: 'run canceled' });
    expect(record.events.at(-3)).toMatchObject({ willRetry: false, retryable: false });
  });

  it('cancels a step waiting to retry', async () => {
    const asset = flaky(async () => {
      throw new Error('flake');
    });
    const graph = buildGraph([asset, raw]);
    const { options, controller, clock } = runOptions(graph, planRun(graph, ['bronze/raw', 'silver/flaky'], PARTITION));
    const running = executeRun(options);
    await clock.nextSleep();
    controller.abort();
    const result = await running;
    expect(result.status).toBe('CANCELED');
    expect(result.steps[1]).toMatchObject({ status: 'CANCELED', attempts: 1 });
  });

  it('starts nothing when the signal is already aborted', async () => {
    let ran = false;
    const asset = flaky(async () => {
      ran = true;
    });
    const graph = buildGraph([asset, raw]);
    const { options, controller, record } = runOptions(graph, planRun(graph, ['bronze/raw', 'silver/flaky'], PARTITION));
    controller.abort();
    const result = await executeRun(options);
    expect(ran).toBe(false);
    expect(result.status).toBe('CANCELED');
    expect(record.types()).toEqual(['run:started', 'step:skipped bronze/raw', 'step:skipped silver/flaky', 'run:canceled']);
  });
});
