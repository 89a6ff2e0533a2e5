/**
 * A batch of events (one run's, or a group commit's from several runs) leaves the current-state
 * tables exactly as the same events recorded one by one do; a batch the lifecycle refuses
 * records nothing. And the group commit writer records concurrent runs' batches together, but
 * keeps a refused batch from failing the others.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunEvent } from '../../src/core/types.js';
import {
  createRun,
  eventsForRun,
  getRun,
  groupCommitEventWriter,
  IllegalRunTransitionError,
  latestMaterialization,
  recordEvent,
  recordEvents,
  setRunStatus,
  stepsForRun,
} from '../../src/storage/index.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { type TestDatabase, createTestDatabase } from '../helpers/test-database.js';

const t = (ms: number) => new Date(Date.UTC(2026, 10, 23, 6, 0, 0, ms));

/** Every kind of event a run records: a retried failure, a skip, a check, materializations, the run's end. */
function lifecycle(runId: string, partition: string): RunEvent[] {
  const a = { assetKey: 'bronze/a', partition };
  const b = { assetKey: 'silver/b', partition };
  const c = { assetKey: 'gold/c', partition };
  return [
    { type: 'run:started', runId, at: t(0) },
    { type: 'step:started', runId, at: t(1), ...a, attempt: 1 },
    { type: 'step:failed', runId, at: t(2), ...a, attempt: 1, message: 'timeout', retryable: true, willRetry: true, retryInMs: 1 },
    { type: 'step:started', runId, at: t(3), ...a, attempt: 2 },
    { type: 'asset:materialized', runId, at: t(4), ...a, durationMs: 1, metadata: { rows: 3 }, value: { n: 3 } },
    { type: 'check:evaluated', runId, at: t(4), ...a, check: 'rows', severity: 'warn', passed: false, message: 'few', metadata: { rows: 3 } },
    { type: 'step:succeeded', runId, at: t(5), ...a, durationMs: 4 },
    { type: 'step:started', runId, at: t(6), ...b, attempt: 1 },
    { type: 'log', runId, at: t(7), level: 'info', message: 'hello', ...b, fields: null },
    { type: 'step:failed', runId, at: t(8), ...b, attempt: 1, message: 'boom', retryable: false, willRetry: false, retryInMs: null },
    { type: 'step:skipped', runId, at: t(9), ...c, reason: 'upstream silver/b failed' },
    { type: 'run:failed', runId, at: t(10), durationMs: 10, message: '1 step(s) failed: boom' },
  ];
}

describeEachBackend('event batches', (backend) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('event_batch', { backend });
  });
  afterAll(async () => {
    await database?.destroy();
  });

  const startedRun = async () => {
    const run = await createRun(database.db, { selection: '*', partitionKey: null, trigger: 'manual' });
    return setRunStatus(database.db, run.id, 'STARTING', { workerId: 'w' });
  };

  const state = async (runId: string, partition: string) => {
    const run = await getRun(database.db, runId);
    const steps = (await stepsForRun(database.db, runId)).map((step) => ({ ...step, runId: undefined }));
    const materialization = await latestMaterialization(database.db, 'bronze/a', partition);
    const events = (await eventsForRun(database.db, runId)).map((stored) => ({ ...stored.event, runId: undefined }));
    return {
      run: { status: run?.status, startedAt: run?.startedAt, endedAt: run?.endedAt, error: run?.error },
      steps,
      materialization: { value: materialization?.value, metadata: materialization?.metadata },
      events,
    };
  };

  it('one batch, split batches and one-by-one leave the same runs, steps, materializations and events', async () => {
    const one = await startedRun();
    for (const event of lifecycle(one.id, 'p1')) await recordEvent(database.db, event);
    const batch = await startedRun();
    await recordEvents(database.db, lifecycle(batch.id, 'p2'));
    // Split the way a worker writes: a step's end goes with the next step's start.
    const split = await startedRun();
    const events = lifecycle(split.id, 'p3');
    for (const [from, to] of [[0, 2], [2, 3], [3, 8], [8, 12]] as const) await recordEvents(database.db, events.slice(from, to));

    const expected = await state(one.id, 'p1');
    expect(expected.run).toMatchObject({ status: 'FAILURE', error: '1 step(s) failed: boom' });
    expect(expected.steps.map((step) => [step.assetKey, step.status, step.attempts])).toEqual([
      ['bronze/a', 'SUCCESS', 2],
      ['silver/b', 'FAILURE', 1],
      ['gold/c', 'SKIPPED', 0],
    ]);
    const normalise = (s: typeof expected) => ({ ...s, steps: s.steps.map((step) => ({ ...step, partitionKey: undefined })), events: s.events.map((e) => ('partition' in e ? { ...e, partition: undefined } : e)) });
    expect(normalise(await state(batch.id, 'p2'))).toEqual(normalise(expected));
    expect(normalise(await state(split.id, 'p3'))).toEqual(normalise(expected));
  });

  it('a batch with a transition the lifecycle refuses records nothing', async () => {
    const run = await startedRun();
    const events: RunEvent[] = [
      { type: 'run:started', runId: run.id, at: t(0) },
      { type: 'run:succeeded', runId: run.id, at: t(1), durationMs: 1 },
      { type: 'run:failed', runId: run.id, at: t(2), durationMs: 2, message: 'twice' },
    ];
    await expect(recordEvents(database.db, events)).rejects.toBeInstanceOf(IllegalRunTransitionError);
    await recordEvents(database.db, events.slice(0, 2));
    await expect(recordEvents(database.db, [events[2]!, { type: 'log', runId: run.id, at: t(3), level: 'info', message: 'x', assetKey: null, partition: null, fields: null }])).rejects.toBeInstanceOf(
      IllegalRunTransitionError,
    );
    expect((await eventsForRun(database.db, run.id)).map((stored) => stored.event.type)).toEqual(['run:started', 'run:succeeded']);
  });

  it('group commit: concurrent runs share one transaction; a refused batch fails only its own caller', async () => {
    const write = groupCommitEventWriter(database.db);
    const runs = await Promise.all([startedRun(), startedRun(), startedRun()]);
    const ended = await startedRun();
    await recordEvents(database.db, [
      { type: 'run:started', runId: ended.id, at: t(0) },
      { type: 'run:succeeded', runId: ended.id, at: t(1), durationMs: 1 },
    ]);
    const results = await Promise.allSettled([
      ...runs.map((run) => write([{ type: 'run:started', runId: run.id, at: t(0) }, { type: 'step:started', runId: run.id, at: t(1), assetKey: 'bronze/a', partition: 'g', attempt: 1 }])),
      write([{ type: 'run:started', runId: ended.id, at: t(2) }]),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    expect((results[3] as PromiseRejectedResult).reason).toBeInstanceOf(IllegalRunTransitionError);
    for (const run of runs) expect((await getRun(database.db, run.id))?.status).toBe('STARTED');

    // Submitted together, they are committed together: one transaction id for all three runs' events.
    const again = await Promise.all([startedRun(), startedRun(), startedRun()]);
    await Promise.all(again.map((run) => write([{ type: 'run:started', runId: run.id, at: t(0) }, { type: 'run:succeeded', runId: run.id, at: t(1), durationMs: 1 }])));
    const ids = again.map((run) => run.id);
    const { rows } = await sql<{ transactions: number }>`
      SELECT count(DISTINCT xmin::text)::int AS transactions FROM strata.events WHERE run_id = ANY(${ids}::uuid[])`.execute(database.db);
    expect(Number(rows[0]?.transactions)).toBe(1);
  });
});
