/**
 * A daemon keeps its partition rows between evaluations (PartitionMemory) only while the
 * cursor is the one its own last commit wrote. Two evaluators, each with its own memory,
 * taking turns in an irregular order (each sometimes twice in a row, so each sometimes works
 * from kept rows and sometimes after the other moved the cursor) must request exactly the runs
 * and store exactly the results and reasons that evaluators keeping nothing do.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { evaluateAutomation, type AutomationEvaluation } from '../../../src/daemon/automation/evaluate-automation.js';
import { PartitionMemory } from '../../../src/daemon/automation/partition-memory.js';
import type { PartitionRows } from '../../../src/daemon/automation/partition-states.js';
import type { Runtime } from '../../../src/runtime.js';
import { describeEachBackend } from '../../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-database.js';
import { automationRuntime, chainAssets, executeQueued, run } from './automation-harness.js';

const P1 = '2026-03-02T00:00Z';
const P2 = '2026-03-02T06:00Z';

it('kept rows are handed back only at the cursor they were kept at, and only once', () => {
  const memory = new PartitionMemory();
  const rows: PartitionRows = new Map([['silver/b', new Map()]]);
  const at = new Date('2026-03-02T07:00:00Z');
  memory.keep({ evaluationId: 4, evaluatedAt: at }, rows, 1);
  expect(memory.take({ evaluationId: 5, evaluatedAt: at }).size).toBe(0);
  memory.keep({ evaluationId: 4, evaluatedAt: at }, rows, 1);
  expect(memory.take({ evaluationId: 4, evaluatedAt: new Date(at.getTime() + 1) }).size).toBe(0);
  memory.keep({ evaluationId: 4, evaluatedAt: at }, rows, 1);
  expect(memory.take({ evaluationId: 4, evaluatedAt: at })).toBe(rows);
  expect(memory.take({ evaluationId: 4, evaluatedAt: at }).size).toBe(0);
  new PartitionMemory(1).keep({ evaluationId: 4, evaluatedAt: at }, rows, 2);
});

describeEachBackend('automation with kept partition rows', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(`automation_memory_${backend}`, { backend });
  });
  afterAll(async () => database?.destroy());
  beforeEach(async () => {
    await sql`TRUNCATE strata.runs, strata.events, strata.steps, strata.materializations, strata.run_assets, strata.automation_changes,
      strata.automation_partitions, strata.automation_assets, strata.automation_results, strata.automation_evaluations CASCADE`.execute(database.db);
    await sql`UPDATE strata.automation_cursor SET evaluation_id = 0, evaluated_at = NULL`.execute(database.db);
  });

  /** Which evaluator takes each turn: 'a' or 'b'. */
  const TURNS = ['a', 'b', 'a', 'a', 'b', 'b', 'a', 'b', 'a', 'a', 'b', 'a'] as const;

  /**
   * Upstream changes, requested runs executed (gold/c fails while `failing` holds it), and an
   * evaluation after each step, by `evaluate(turn)`. Returns what each evaluation requested
   * and, at the end, every stored result change; run ids are left out (they differ per scenario).
   */
  async function scenario(evaluate: (runtime: Runtime, turn: number) => Promise<AutomationEvaluation>): Promise<unknown> {
    const failing = new Set(['gold/c']);
    const clock = new ManualClock(new Date('2026-03-02T07:00:00Z'));
    const runtime = automationRuntime(database, clock, chainAssets(failing));
    const requested: unknown[] = [];
    let turn = 0;
    const step = async (minute: number, work: () => Promise<unknown>) => {
      clock.set(new Date(`2026-03-02T07:${String(minute).padStart(2, '0')}:00Z`));
      await work();
      clock.set(new Date(`2026-03-02T07:${String(minute).padStart(2, '0')}:30Z`));
      const evaluation = await evaluate(runtime, turn++);
      const runs = await sql<{ selection: string; partition_key: string }>`SELECT selection, partition_key FROM strata.runs
        WHERE id = ANY(${[...evaluation.runIds]}::uuid[]) ORDER BY partition_key`.execute(database.db);
      requested.push({ outcome: evaluation.outcome, partitions: evaluation.partitionsEvaluated, changed: evaluation.partitionsChanged, runs: runs.rows });
    };
    const nothing = async () => undefined;
    await step(0, nothing);
    await step(1, () => run(runtime, { selection: 'bronze/a', partitionKey: P1 }));
    await step(2, () => executeQueued(runtime));
    await step(3, () => run(runtime, { selection: 'bronze/a', partitionKey: P2 }));
    await step(4, nothing);
    await step(5, () => executeQueued(runtime));
    await step(6, async () => {
      failing.clear();
      await run(runtime, { selection: 'bronze/a', partitionKey: P1 });
    });
    await step(7, () => run(runtime, { selection: 'bronze/a', partitionKey: P2 }));
    await step(8, () => executeQueued(runtime));
    await step(9, nothing);
    await step(10, () => run(runtime, { selection: 'silver/b', partitionKey: P2 }));
    await step(11, () => executeQueued(runtime));
    const history = await sql<{ asset_key: string; partition_key: string; value: boolean; reason: string; requested: boolean }>`
      SELECT asset_key, partition_key, value, reason, run_id IS NOT NULL AS requested FROM strata.automation_results ORDER BY evaluation_id, asset_key, partition_key`.execute(database.db);
    const current = await sql<{ asset_key: string; partition_key: string; value: boolean; reason: string }>`
      SELECT asset_key, partition_key, value, reason FROM strata.automation_partitions WHERE condition IS NOT NULL ORDER BY asset_key, partition_key`.execute(database.db);
    const withoutRunIds = (rows: { reason: string }[]) => rows.map((row) => ({ ...row, reason: row.reason.replace(/run [0-9a-f]{8}/g, 'run …') }));
    return { requested, history: withoutRunIds(history.rows), current: withoutRunIds(current.rows) };
  }

  it('two evaluators taking turns request the same runs and store the same reasons as evaluators that keep nothing', async () => {
    const expected = await scenario((runtime) => evaluateAutomation(runtime));
    await sql`TRUNCATE strata.runs, strata.events, strata.steps, strata.materializations, strata.run_assets, strata.automation_changes,
      strata.automation_partitions, strata.automation_assets, strata.automation_results, strata.automation_evaluations CASCADE`.execute(database.db);
    await sql`UPDATE strata.automation_cursor SET evaluation_id = 0, evaluated_at = NULL`.execute(database.db);

    const memories = { a: new PartitionMemory(), b: new PartitionMemory() };
    const actual = await scenario((runtime, turn) => evaluateAutomation(runtime, { memory: memories[TURNS[turn % TURNS.length] as 'a' | 'b'] }));
    expect(actual).toEqual(expected);
    // The scenario did something worth comparing: runs requested, failures and retries.
    expect(JSON.stringify(expected)).toContain('silver/b,gold/c');
    expect(JSON.stringify(expected)).toContain('failed at');
  });
});
