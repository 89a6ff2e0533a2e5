/**
 * The sensor storage contract, on PGlite and Postgres: the claim is a lease (one holder, expires,
 * bumps the version), the commit is a compare-and-set that stores all or nothing, the switch
 * records who and when, history pages newest first, and retention keeps each sensor's latest.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { purgeHandledRunBatch, purgeSensorEvaluationBatch } from '../../src/storage/retention.js';
import { commitSensorEvaluations, type EvaluationToStore } from '../../src/storage/sensor-commit.js';
import { listSensorEvaluations, latestSensorEvaluations } from '../../src/storage/sensor-evaluations.js';
import { claimSensor, effectiveStatus, ensureSensorStates, getSensorState, renewSensorClaim, setSensorStatus } from '../../src/storage/sensor-state.js';
import { heartbeatProcess, markProcessStopped, registerProcess } from '../../src/storage/processes.js';
import { describeEachBackend } from '../helpers/test-backends.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const T0 = new Date('2026-11-23T06:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const claimInput = (name: string, daemonId: string, seconds: number) => ({
  name,
  daemonId,
  now: at(seconds),
  intervalMs: 30_000,
  defaultStatus: 'running' as const,
  leaseMs: 10_000,
  heartbeatTimeoutMs: 5_000,
});

function skipped(seconds: number, reason: string): EvaluationToStore {
  return { startedAt: at(seconds), endedAt: at(seconds + 0.005), outcome: 'skipped', skipReason: reason, error: null, cursorBefore: null, cursorAfter: null, logs: [], runs: [] };
}

describeEachBackend('sensor storage', (backend) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(`sensor_storage_${backend}`, { backend });
  });
  afterAll(async () => {
    await database?.destroy();
  });

  it("a claim is free before its lease ends once its daemon is gone (stopped, or silent past the heartbeat timeout)", async () => {
    await ensureSensorStates(database.db, [{ name: 'liveness' }], T0);
    await registerProcess(database.db, { id: 'alive', kind: 'daemon', hostname: 'h', pid: 1, at: at(0) });
    await registerProcess(database.db, { id: 'killed', kind: 'daemon', hostname: 'h', pid: 2, at: at(0) });
    await registerProcess(database.db, { id: 'stopped', kind: 'daemon', hostname: 'h', pid: 3, at: at(0) });
    const held = await claimSensor(database.db, claimInput('liveness', 'alive', 0));
    expect(held).toBeDefined();
    await heartbeatProcess(database.db, 'alive', at(4));
    // Heartbeat 4 s old at 8 s (timeout 5 s): alive, its lease (until 10 s) holds.
    expect(await claimSensor(database.db, { ...claimInput('liveness', 'killed', 8), ignoreInterval: true })).toBeUndefined();
    // At 9.001 s that heartbeat is past the timeout: 'alive' is taken for gone, a second before its lease ends.
    const taken = await claimSensor(database.db, { ...claimInput('liveness', 'killed', 9.001), ignoreInterval: true });
    expect(taken).toMatchObject({ claimedBy: 'killed', version: held!.version + 1 });
    // 'killed' last beat at 0 s: its claim (lease until 19 s) is free at once.
    const next = await claimSensor(database.db, { ...claimInput('liveness', 'stopped', 15.001), ignoreInterval: true });
    expect(next).toMatchObject({ claimedBy: 'stopped' });
    await heartbeatProcess(database.db, 'stopped', at(15.5));
    await markProcessStopped(database.db, 'stopped', at(16));
    expect(await claimSensor(database.db, { ...claimInput('liveness', 'alive', 16), ignoreInterval: true })).toMatchObject({ claimedBy: 'alive' });
    // A claimer without a process row holds its lease.
    expect(await claimSensor(database.db, { ...claimInput('liveness', 'nobody', 30), ignoreInterval: true })).toBeDefined();
    expect(await claimSensor(database.db, { ...claimInput('liveness', 'alive', 39.999), ignoreInterval: true })).toBeUndefined();
  });

  it('a claim holds until its lease expires; the next claim bumps the version; a stale commit stores nothing', async () => {
    await ensureSensorStates(database.db, [{ name: 'lease' }], T0);
    await ensureSensorStates(database.db, [{ name: 'lease', initialCursor: 'ignored: exists' }], T0);
    const first = await claimSensor(database.db, claimInput('lease', 'a', 0));
    expect(first).toMatchObject({ claimedBy: 'a', claimExpiresAt: at(10), cursor: null });
    // Held: nobody else, not even the same daemon, claims it again.
    expect(await claimSensor(database.db, claimInput('lease', 'b', 9.999))).toBeUndefined();
    // 'a' was SIGKILLed: its lease runs out and 'b' takes over, with a newer version.
    const second = await claimSensor(database.db, claimInput('lease', 'b', 10));
    expect(second?.version).toBe((first?.version ?? 0) + 1);
    expect(await renewSensorClaim(database.db, first!, at(20))).toBe(false);
    expect(await renewSensorClaim(database.db, second!, at(20))).toBe(true);

    const stale = await commitSensorEvaluations(database.db, {
      claimed: first!,
      daemonId: 'a',
      cursor: 'from a',
      evaluatedAt: at(0),
      evaluations: [
        {
          ...skipped(0, 'late'),
          outcome: 'requested',
          skipReason: null,
          runs: [{ runKey: 'k', input: { selection: 'x', trigger: 'sensor', runKey: 'sensor:lease:k' } }],
        },
      ],
    });
    expect(stale).toEqual({ committed: false, evaluations: [], newRuns: 0 });
    const fresh = await commitSensorEvaluations(database.db, { claimed: second!, daemonId: 'b', cursor: 'from b', evaluatedAt: at(10), evaluations: [skipped(10, 'ok')] });
    expect(fresh.committed).toBe(true);
    const runs = await sql<{ n: number }>`SELECT count(*)::int AS n FROM strata.runs WHERE run_key = 'sensor:lease:k'`.execute(database.db);
    expect(runs.rows[0]?.n).toBe(0);
    expect((await listSensorEvaluations(database.db, 'lease', { limit: 10 })).evaluations.map((e) => [e.daemonId, e.skipReason])).toEqual([['b', 'ok']]);
    expect(await getSensorState(database.db, 'lease')).toMatchObject({ cursor: 'from b', lastEvaluatedAt: at(10), claimedBy: null, claimExpiresAt: null });
    // Due again only a whole interval after the evaluation started.
    expect(await claimSensor(database.db, claimInput('lease', 'a', 39.999))).toBeUndefined();
    expect(await claimSensor(database.db, claimInput('lease', 'a', 40))).toBeDefined();
  });

  it('two runs of one key in one commit make one run; the second is reported existing', async () => {
    await ensureSensorStates(database.db, [{ name: 'keys' }], T0);
    const claimed = await claimSensor(database.db, claimInput('keys', 'a', 0));
    const input = { selection: 'bronze/raw', trigger: 'sensor' as const, runKey: 'sensor:keys:same' };
    const result = await commitSensorEvaluations(database.db, {
      claimed: claimed!,
      daemonId: 'a',
      cursor: null,
      evaluatedAt: at(0),
      evaluations: [{ ...skipped(0, 'x'), outcome: 'requested', skipReason: null, runs: [{ runKey: 'same', input }, { runKey: 'same', input }, { runKey: null, input: { ...input, runKey: null } }] }],
    });
    expect(result.newRuns).toBe(2);
    const [first, second, third] = result.evaluations[0]?.runRequests ?? [];
    expect(first).toMatchObject({ runKey: 'same', existed: false });
    expect(second).toMatchObject({ runKey: 'same', existed: true, runId: first?.runId });
    expect(third).toMatchObject({ runKey: null, existed: false });
  });

  it('the switch: off and on, by whom and when; without it the definition decides', async () => {
    expect(effectiveStatus(undefined, 'stopped')).toBe('stopped');
    await ensureSensorStates(database.db, [{ name: 'switch' }], T0);
    expect(effectiveStatus(await getSensorState(database.db, 'switch'), 'running')).toBe('running');
    expect(await setSensorStatus(database.db, 'switch', 'stopped', 'ui (session)', at(5))).toMatchObject({ status: 'stopped', statusChangedBy: 'ui (session)', statusChangedAt: at(5) });
    expect(await claimSensor(database.db, claimInput('switch', 'a', 100))).toBeUndefined();
    // A sensor whose definition says stopped is claimed only once switched on.
    await setSensorStatus(database.db, 'never_started', 'running', 'cli', at(1));
    expect(await claimSensor(database.db, { ...claimInput('never_started', 'a', 100), defaultStatus: 'stopped' })).toBeDefined();
    await ensureSensorStates(database.db, [{ name: 'default_off' }], T0);
    expect(await claimSensor(database.db, { ...claimInput('default_off', 'a', 100), defaultStatus: 'stopped' })).toBeUndefined();
  });

  it('a skip that repeats the previous evaluation is counted on its row; any change, request or log starts a new row', async () => {
    await ensureSensorStates(database.db, [{ name: 'repeats' }], T0);
    let seconds = 0;
    const evaluate = async (evaluation: EvaluationToStore, cursor: string | null = evaluation.cursorAfter) => {
      const claimed = await claimSensor(database.db, { ...claimInput('repeats', 'a', seconds), ignoreInterval: true });
      const result = await commitSensorEvaluations(database.db, { claimed: claimed!, daemonId: 'a', cursor, evaluatedAt: at(seconds), evaluations: [evaluation] });
      seconds += 0.5;
      return result;
    };
    const empty = (cursor: string | null) => ({ ...skipped(seconds, 'inbox empty'), cursorBefore: cursor, cursorAfter: cursor });
    await evaluate(empty(null));
    await evaluate(empty(null));
    const third = await evaluate(empty(null));
    expect(third.evaluations[0]).toMatchObject({ skipReason: 'inbox empty', count: 3, startedAt: at(0), lastAt: at(1) });
    // A new reason, a moved cursor, a line logged, a request: each a row of its own.
    await evaluate({ ...skipped(seconds, 'a.csv: new'), cursorAfter: 'c1' });
    await evaluate({ ...skipped(seconds, 'a.csv: new'), cursorBefore: 'c1', cursorAfter: 'c1', logs: [{ at: at(seconds).toISOString(), level: 'info', message: 'looked' }] });
    await evaluate({ ...skipped(seconds, 'x'), outcome: 'requested', skipReason: null, cursorBefore: 'c1', cursorAfter: 'c1' });
    await evaluate(empty('c1'));
    await evaluate(empty('c1'));
    await evaluate({ ...skipped(seconds, 'x'), outcome: 'failed', skipReason: null, error: 'boom', cursorBefore: 'c1', cursorAfter: 'c1' });
    await evaluate({ ...skipped(seconds, 'x'), outcome: 'failed', skipReason: null, error: 'boom', cursorBefore: 'c1', cursorAfter: 'c1' });
    // A lost claim folds nothing either.
    const stale = await claimSensor(database.db, { ...claimInput('repeats', 'a', seconds), ignoreInterval: true });
    seconds += 10; // its lease ran out
    await evaluate(empty('c1'));
    expect((await commitSensorEvaluations(database.db, { claimed: stale!, daemonId: 'a', cursor: 'c1', evaluatedAt: at(seconds), evaluations: [empty('c1')] })).committed).toBe(false);
    const rows = (await listSensorEvaluations(database.db, 'repeats', { limit: 20 })).evaluations.map((e) => [e.outcome, e.skipReason ?? e.error, e.count]);
    expect(rows).toEqual([
      ['skipped', 'inbox empty', 1],
      ['failed', 'boom', 1],
      ['failed', 'boom', 1],
      ['skipped', 'inbox empty', 2],
      ['requested', null, 1],
      ['skipped', 'a.csv: new', 1],
      ['skipped', 'a.csv: new', 1],
      ['skipped', 'inbox empty', 3],
    ]);
  });

  it('history pages newest first; retention keeps each sensor latest and purges the handled set by age', async () => {
    await ensureSensorStates(database.db, [{ name: 'history' }, { name: 'quiet' }], T0);
    for (let i = 0; i < 5; i++) {
      const claimed = await claimSensor(database.db, claimInput('history', 'a', i * 30));
      await commitSensorEvaluations(database.db, { claimed: claimed!, daemonId: 'a', cursor: null, evaluatedAt: at(i * 30), evaluations: [skipped(i * 30, `#${i}`)] });
    }
    const quiet = await claimSensor(database.db, claimInput('quiet', 'a', 0));
    await commitSensorEvaluations(database.db, {
      claimed: quiet!,
      daemonId: 'a',
      cursor: null,
      evaluatedAt: at(0),
      evaluations: [{ ...skipped(0, 'handled'), endedRun: { runId: '00000000-0000-4000-8000-000000000001', endedAt: at(-60), outcome: 'failure', handled: true } }],
    });
    const page1 = await listSensorEvaluations(database.db, 'history', { limit: 2 });
    expect(page1.evaluations.map((e) => e.skipReason)).toEqual(['#4', '#3']);
    const page2 = await listSensorEvaluations(database.db, 'history', { limit: 2, before: page1.nextBefore });
    const page3 = await listSensorEvaluations(database.db, 'history', { limit: 2, before: page2.nextBefore });
    expect([...page2.evaluations, ...page3.evaluations].map((e) => e.skipReason)).toEqual(['#2', '#1', '#0']);
    expect(page3.nextBefore).toBeUndefined();

    // Everything is older than the cut-off: each sensor keeps its latest only.
    const cutoff = at(3600);
    expect(await purgeSensorEvaluationBatch(database.db, cutoff, 2)).toBe(2);
    expect(await purgeSensorEvaluationBatch(database.db, cutoff, 1000)).toBeGreaterThanOrEqual(2);
    expect((await listSensorEvaluations(database.db, 'history', { limit: 10 })).evaluations.map((e) => e.skipReason)).toEqual(['#4']);
    expect((await latestSensorEvaluations(database.db)).get('quiet')?.skipReason).toBe('handled');
    expect(await purgeHandledRunBatch(database.db, at(-61), 10)).toBe(0);
    expect(await purgeHandledRunBatch(database.db, cutoff, 10)).toBe(1);
  });
});
