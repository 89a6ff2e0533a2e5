import { describe, expect, it } from 'vitest';
import { defineAsset } from '../../src/core/asset.js';
import { defineCheck } from '../../src/core/check.js';
import { DefinitionError } from '../../src/core/errors.js';
import { executeRun, planRun } from '../../src/core/executor.js';
import { buildGraph } from '../../src/core/graph.js';
import { sixHourlyPartitions } from '../../src/core/partitions.js';
import type { RunEvent } from '../../src/core/types.js';
import { PARTITION, runOptions } from './executor-fixtures.js';

type Raw = { rows: number };

const hasRows = defineCheck<Raw>({
  name: 'has_rows',
  severity: 'error',
  description: 'at least one row',
  evaluate: async (ctx) => ({ passed: ctx.value.rows > 0, message: `${ctx.value.rows} rows`, metadata: { rows: ctx.value.rows } }),
});
const fewRows = defineCheck<Raw>({
  name: 'many_rows',
  severity: 'warn',
  description: 'at least 10 rows',
  evaluate: async (ctx) => ({ passed: ctx.value.rows >= 10, message: `only ${ctx.value.rows} rows` }),
});

function graphWith(rows: number, checks = [hasRows, fewRows]) {
  const raw = defineAsset({
    key: 'bronze/raw',
    layer: 'bronze',
    description: '',
    partitions: sixHourlyPartitions,
    checks,
    materialize: async () => ({ value: { rows } satisfies Raw }),
  });
  const clean = defineAsset({
    key: 'silver/clean',
    layer: 'silver',
    description: '',
    partitions: sixHourlyPartitions,
    deps: { raw },
    materialize: async (ctx) => ({ value: ctx.inputs.raw.rows }),
  });
  const other = defineAsset({ key: 'silver/other', layer: 'silver', description: '', partitions: sixHourlyPartitions, materialize: async () => ({ value: 1 }) });
  return buildGraph([raw, clean, other]);
}

function checkEvents(events: RunEvent[]) {
  return events.flatMap((event) => (event.type === 'check:evaluated' ? [event] : []));
}

describe('asset checks', () => {
  it('evaluates every check after the materialization and emits check:evaluated with the result', async () => {
    const graph = graphWith(20);
    const { options, record } = runOptions(graph, planRun(graph, ['bronze/raw'], PARTITION));
    const result = await executeRun(options);
    expect(result.status).toBe('SUCCESS');
    expect(record.types()).toEqual([
      'run:started',
      'step:started bronze/raw',
      'asset:materialized bronze/raw',
      'check:evaluated bronze/raw',
      'check:evaluated bronze/raw',
      'step:succeeded bronze/raw',
      'run:succeeded',
    ]);
    expect(checkEvents(record.events)[0]).toMatchObject({
      assetKey: 'bronze/raw',
      partition: PARTITION,
      check: 'has_rows',
      severity: 'error',
      passed: true,
      message: '20 rows',
      metadata: { rows: 20 },
    });
    expect(result.steps[0]?.checks?.map((check) => check.passed)).toEqual([true, true]);
  });

  it('a failed warn check is recorded but blocks nothing', async () => {
    const graph = graphWith(3);
    const { options, record } = runOptions(graph, planRun(graph, ['bronze/raw', 'silver/clean'], PARTITION));
    const result = await executeRun(options);
    expect(result.status).toBe('SUCCESS');
    expect(checkEvents(record.events).map((event) => [event.check, event.passed])).toEqual([
      ['has_rows', true],
      ['many_rows', false],
    ]);
    expect(result.steps.map((step) => step.status)).toEqual(['SUCCESS', 'SUCCESS']);
  });

  it('a failed error check fails the step, skips its downstream naming the check, and fails the run', async () => {
    const graph = graphWith(0);
    const { options, record } = runOptions(graph, planRun(graph, ['bronze/raw', 'silver/clean', 'silver/other'], PARTITION));
    const result = await executeRun(options);
    expect(result.status).toBe('FAILURE');
    const byKey = new Map(result.steps.map((step) => [step.assetKey, step]));
    expect(byKey.get('bronze/raw')).toMatchObject({ status: 'FAILURE', error: "check 'has_rows' failed: 0 rows", failedCheck: 'has_rows' });
    expect(byKey.get('silver/clean')?.status).toBe('SKIPPED');
    expect(byKey.get('silver/clean')?.error).toContain("check 'has_rows'");
    expect(byKey.get('silver/other')?.status).toBe('SUCCESS');
    const failed = record.events.find((event) => event.type === 'step:failed');
    expect(failed).toMatchObject({ retryable: false, willRetry: false, message: "check 'has_rows' failed: 0 rows" });
    const runFailed = record.events.find((event) => event.type === 'run:failed');
    expect(runFailed).toMatchObject({ message: expect.stringContaining("check 'has_rows' failed") });
  });

  it('a check that throws has failed, with the error in its message', async () => {
    const broken = defineCheck<Raw>({
      name: 'broken',
      severity: 'error',
      description: '',
      evaluate: async () => {
        throw new Error('no connection');
      },
    });
    const graph = graphWith(5, [broken]);
    const { options, record } = runOptions(graph, planRun(graph, ['bronze/raw'], PARTITION));
    const result = await executeRun(options);
    expect(result.status).toBe('FAILURE');
    expect(checkEvents(record.events)[0]).toMatchObject({ passed: false, message: 'evaluation threw: no connection' });
  });

  it('rejects bad check definitions', () => {
    expect(() => defineCheck({ name: 'Bad Name', severity: 'error', description: '', evaluate: async () => ({ passed: true }) })).toThrow(DefinitionError);
    expect(() => defineCheck({ name: 'x', severity: 'fatal' as 'error', description: '', evaluate: async () => ({ passed: true }) })).toThrow(/severity/);
    expect(() => graphWith(1, [hasRows, hasRows])).toThrow("asset 'bronze/raw' has two checks named 'has_rows'");
  });
});
