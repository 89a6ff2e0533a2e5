import { describe, expect, it } from 'vitest';
import { defineAsset, many } from '../../src/core/asset.js';
import { InvalidPartitionKeyError, InvalidSelectionError } from '../../src/core/errors.js';
import { executeRun, planRun } from '../../src/core/executor.js';
import { buildGraph } from '../../src/core/graph.js';
import { dailyPartitions, dailyToSixHourly, sixHourlyPartitions } from '../../src/core/partitions.js';
import { stepKey } from '../../src/core/step-key.js';
import type { RunEvent } from '../../src/core/types.js';
import { PARTITION, raw, runOptions } from './executor-fixtures.js';

function cleanAsset(seen: string[]) {
  return defineAsset({
    key: 'silver/clean',
    layer: 'silver',
    description: 'clean rows',
    partitions: sixHourlyPartitions,
    deps: { raw },
    materialize: async (ctx) => {
      // Compiles only because `inputs.raw` is typed from bronze/raw's output.
      const path: string = ctx.inputs.raw.path;
      seen.push(path);
      ctx.log.info('cleaning', { path });
      return { value: { table: 'silver.clean', rows: ctx.inputs.raw.rows }, metadata: { rows: ctx.inputs.raw.rows } };
    },
  });
}

describe('planRun', () => {
  const config = defineAsset({ key: 'bronze/config', layer: 'bronze', description: '', materialize: async () => ({ value: 1 }) });
  const daily = defineAsset({
    key: 'gold/daily',
    layer: 'gold',
    description: '',
    partitions: dailyPartitions,
    deps: { raw: many(raw, dailyToSixHourly) },
    materialize: async () => ({ value: 1 }),
  });
  const clean = cleanAsset([]);
  const graph = buildGraph([daily, clean, config, raw]);

  it('plans steps in topological order; unpartitioned assets get no partition', () => {
    const steps = planRun(graph, ['silver/clean', 'bronze/config', 'bronze/raw'], PARTITION);
    expect(steps.map((step) => [step.assetKey, step.partition?.key])).toEqual([
      ['bronze/config', undefined],
      ['bronze/raw', PARTITION],
      ['silver/clean', PARTITION],
    ]);
    expect(steps[1]?.partition?.start.toISOString()).toBe('2026-11-23T06:00:00.000Z');
  });

  it('needs a partition key for a partitioned asset, naming it', () => {
    expect(() => planRun(graph, ['bronze/raw'], undefined)).toThrow(/asset 'bronze\/raw' is six_hourly partitioned/);
    expect(planRun(graph, ['bronze/config'], undefined)).toEqual([{ assetKey: 'bronze/config', partition: undefined }]);
  });

  it('rejects a partition key of the wrong kind', () => {
    expect(() => planRun(graph, ['bronze/raw', 'gold/daily'], '2026-11-23')).toThrow(InvalidPartitionKeyError);
    expect(() => planRun(graph, ['gold/daily'], PARTITION)).toThrow(/asset 'gold\/daily': invalid daily partition key '2026-11-23T06:00Z'/);
  });

  it('rejects unknown or no assets', () => {
    expect(() => planRun(graph, ['gold/nope'], PARTITION)).toThrow(InvalidSelectionError);
    expect(() => planRun(graph, [], PARTITION)).toThrow(InvalidSelectionError);
  });
});

describe('executeRun', () => {
  it('passes typed upstream outputs downstream and emits events in order', async () => {
    const seen: string[] = [];
    const graph = buildGraph([cleanAsset(seen), raw]);
    const { options, record } = runOptions(graph, planRun(graph, ['silver/clean', 'bronze/raw'], PARTITION));
    const result = await executeRun(options);

    expect(result.status).toBe('SUCCESS');
    expect(seen).toEqual([`raw/${PARTITION}.json`]);
    expect(record.types()).toEqual([
      'run:started',
      'step:started bronze/raw',
      'asset:materialized bronze/raw',
      'step:succeeded bronze/raw',
      'step:started silver/clean',
      'log cleaning',
      'asset:materialized silver/clean',
      'step:succeeded silver/clean',
      'run:succeeded',
    ]);
    expect(record.events[2]).toMatchObject({
      runId: 'run-1',
      partition: PARTITION,
      value: { path: `raw/${PARTITION}.json`, rows: 3 },
      metadata: { rows: 3 },
    });
    expect(record.events[5]).toMatchObject({ level: 'info', assetKey: 'silver/clean', partition: PARTITION, fields: { path: `raw/${PARTITION}.json` } });
    expect(result.steps).toEqual([
      { assetKey: 'bronze/raw', partition: PARTITION, status: 'SUCCESS', attempts: 1, durationMs: 0, metadata: { rows: 3 } },
      { assetKey: 'silver/clean', partition: PARTITION, status: 'SUCCESS', attempts: 1, durationMs: 0, metadata: { rows: 3 } },
    ]);
  });

  it('measures durations on the injected clock', async () => {
    const slow = defineAsset({
      key: 'bronze/slow',
      layer: 'bronze',
      description: '',
      materialize: async (ctx) => {
        (ctx.clock as unknown as { advance(ms: number): void }).advance(250);
        return { value: 1 };
      },
    });
    const graph = buildGraph([slow]);
    const { options, record } = runOptions(graph, planRun(graph, ['bronze/slow'], undefined));
    const result = await executeRun(options);
    expect(result.steps[0]?.durationMs).toBe(250);
    expect(record.events.find((event) => event.type === 'asset:materialized')).toMatchObject({ durationMs: 250 });
    expect(record.events.at(-1)).toMatchObject({ type: 'run:succeeded', durationMs: 250 });
  });

  it("hands every step the run's id and tags as ctx.run, frozen; none when the run has none", async () => {
    const seen: { id: string; tags: Readonly<Record<string, string>>; frozen: boolean }[] = [];
    const tagged = (key: string) =>
      defineAsset({
        key,
        layer: 'bronze',
        description: '',
        materialize: async (ctx) => {
          seen.push({ id: ctx.run.id, tags: ctx.run.tags, frozen: Object.isFrozen(ctx.run.tags) });
          return { value: 1 };
        },
      });
    const graph = buildGraph([tagged('bronze/first'), tagged('bronze/second')]);
    const steps = planRun(graph, ['bronze/first', 'bronze/second'], undefined);
    const tags = { 'inbox/path': 'kraken/q.csv' };
    await executeRun(runOptions(graph, steps, { runId: 'run-7', tags }).options);
    await executeRun(runOptions(graph, steps.slice(0, 1)).options);
    expect(seen).toEqual([
      { id: 'run-7', tags, frozen: true },
      { id: 'run-7', tags, frozen: true },
      { id: 'run-1', tags: {}, frozen: true },
    ]);
  });

  it('gives every partition the single output of an unpartitioned upstream', async () => {
    const received: unknown[] = [];
    const config = defineAsset({ key: 'bronze/config', layer: 'bronze', description: '', materialize: async () => ({ value: { coins: 250 } }) });
    const user = defineAsset({
      key: 'silver/user',
      layer: 'silver',
      description: '',
      partitions: sixHourlyPartitions,
      deps: { config },
      materialize: async (ctx) => {
        received.push(ctx.inputs.config.coins);
        return { value: 1 };
      },
    });
    const graph = buildGraph([user, config]);
    const { options } = runOptions(graph, planRun(graph, ['silver/user', 'bronze/config'], PARTITION));
    expect((await executeRun(options)).status).toBe('SUCCESS');
    expect(received).toEqual([250]);
  });

  it('loads stored inputs, parses them with the output schema, and passes many() inputs as an array in time order', async () => {
    const received: unknown[] = [];
    const daily = defineAsset({
      key: 'gold/daily',
      layer: 'gold',
      description: '',
      partitions: dailyPartitions,
      deps: { windows: many(raw, dailyToSixHourly) },
      materialize: async (ctx) => {
        received.push(...ctx.inputs.windows.map((window) => window.path));
        return { value: ctx.inputs.windows.length };
      },
    });
    const graph = buildGraph([daily, raw]);
    const requested: Array<[string, string | null]> = [];
    const { options } = runOptions(graph, planRun(graph, ['gold/daily'], '2026-11-23'), {
      loadInput: async (assetKey, partitionKey) => {
        requested.push([assetKey, partitionKey]);
        return { path: `stored/${partitionKey}`, rows: 1, extra: 'dropped by the schema' };
      },
    });
    const result = await executeRun(options);
    expect(result.status).toBe('SUCCESS');
    expect(received).toEqual(['stored/2026-11-23T00:00Z', 'stored/2026-11-23T06:00Z', 'stored/2026-11-23T12:00Z', 'stored/2026-11-23T18:00Z']);
    expect(requested.every(([key]) => key === 'bronze/raw')).toBe(true);
    expect(requested).toHaveLength(4);
  });

  it('hands the parsed (not the raw) stored value to the step', async () => {
    let received: unknown;
    const reader = defineAsset({
      key: 'silver/reader',
      layer: 'silver',
      description: '',
      partitions: sixHourlyPartitions,
      deps: { raw },
      materialize: async (ctx) => {
        received = ctx.inputs.raw;
        return { value: 1 };
      },
    });
    const graph = buildGraph([reader, raw]);
    const { options } = runOptions(graph, planRun(graph, ['silver/reader'], PARTITION), {
      loadInput: async () => ({ path: 'p', rows: 2, extra: true }),
    });
    await executeRun(options);
    expect(received).toEqual({ path: 'p', rows: 2 });
  });

  it('fails a step whose stored input is invalid, naming the upstream and partition, without retrying', async () => {
    const graph = buildGraph([cleanAsset([]), raw]);
    const retrying = defineAsset({ ...cleanAsset([]), retry: { maxRetries: 3 } });
    const graphWithRetry = buildGraph([retrying, raw]);
    for (const g of [graph, graphWithRetry]) {
      const { options, record, clock } = runOptions(g, planRun(g, ['silver/clean'], PARTITION), {
        loadInput: async () => ({ path: 42, rows: 1 }),
      });
      const result = await executeRun(options);
      expect(result.status).toBe('FAILURE');
      expect(result.steps[0]?.attempts).toBe(1);
      expect(result.steps[0]?.error).toContain(`bronze/raw [${PARTITION}]`);
      expect(result.steps[0]?.error).toContain('path:');
      expect(record.events.find((event) => event.type === 'step:failed')).toMatchObject({ retryable: false, willRetry: false });
      expect(clock.pendingSleeps).toBe(0);
    }
  });

  it('fails a step whose stored input is missing', async () => {
    const graph = buildGraph([cleanAsset([]), raw]);
    const { options } = runOptions(graph, planRun(graph, ['silver/clean'], PARTITION));
    const result = await executeRun(options);
    expect(result.steps[0]?.error).toBe(
      `input 'raw' of silver/clean from bronze/raw [${PARTITION}]: no materialization found; materialize the upstream first`,
    );
  });

  it('skips steps that already succeeded and loads their outputs instead', async () => {
    const seen: string[] = [];
    const graph = buildGraph([cleanAsset(seen), raw]);
    const { options, record } = runOptions(graph, planRun(graph, ['bronze/raw', 'silver/clean'], PARTITION), {
      skip: new Set([stepKey('bronze/raw', PARTITION)]),
      loadInput: async () => ({ path: 'from-parent-run', rows: 1 }),
    });
    const result = await executeRun(options);
    expect(result.status).toBe('SUCCESS');
    expect(seen).toEqual(['from-parent-run']);
    expect(record.events[1]).toMatchObject({ type: 'step:skipped', assetKey: 'bronze/raw', reason: 'already succeeded in an earlier run' });
  });

  it('awaits an async emit before going on', async () => {
    const persisted: string[] = [];
    let seenAtStart: string[] = [];
    const probe = defineAsset({
      key: 'bronze/probe',
      layer: 'bronze',
      description: '',
      materialize: async () => {
        seenAtStart = [...persisted];
        return { value: 1 };
      },
    });
    const graph = buildGraph([probe]);
    const { options } = runOptions(graph, planRun(graph, ['bronze/probe'], undefined), {
      emit: async (event: RunEvent) => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        persisted.push(event.type);
      },
    });
    await executeRun(options);
    expect(seenAtStart).toEqual(['run:started', 'step:started']);
    expect(persisted.at(-1)).toBe('run:succeeded');
  });

  it('rejects when emitting fails, because the run would not be recorded', async () => {
    const graph = buildGraph([raw]);
    const { options } = runOptions(graph, planRun(graph, ['bronze/raw'], PARTITION), {
      emit: async (event: RunEvent) => {
        if (event.type === 'asset:materialized') throw new Error('database down');
      },
    });
    await expect(executeRun(options)).rejects.toThrow('database down');
  });

  it('rejects a step of a partitioned asset without a partition', async () => {
    const graph = buildGraph([raw]);
    const { options, record } = runOptions(graph, [{ assetKey: 'bronze/raw', partition: undefined }]);
    await expect(executeRun(options)).rejects.toThrow(InvalidPartitionKeyError);
    expect(record.events).toEqual([]);
  });
});
